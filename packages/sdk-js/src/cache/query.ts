import type { ConversationPage, ConversationSummary, ServerFrame } from '@chat4all/protocol';
import type { ConnectionState } from '../connection/machine.js';
import type { ConversationFilters } from '../conversation-api.js';
import type { Rest } from '../rest.js';
import { type ReadableStore, Store } from '../store.js';
import { applyToList } from './list.js';

/** What a view of the list holds: its conversations (in the list's order), and whether the relay has more. */
export interface ConversationQueryState {
  conversations: readonly ConversationSummary[];
  hasMore: boolean;
  /** True until the first page has come. */
  loading: boolean;
}

/**
 * One view of the user's conversations that the relay filters (an agent inbox's "open and
 * mine", the archive), page by page, kept live. Close it when the view goes.
 */
export interface ConversationQuery {
  readonly state: ReadableStore<ConversationQueryState>;
  /** The next page, after those held. */
  loadMore(): Promise<void>;
  close(): void;
}

/** Whether a conversation belongs in the view. */
export function matchesFilters(conversation: ConversationSummary, filters: ConversationFilters): boolean {
  return (
    (filters.archived === undefined || conversation.settings.archived === filters.archived) &&
    (filters.status === undefined || conversation.status === filters.status) &&
    (filters.assigneeId === undefined || conversation.assigneeId === filters.assigneeId) &&
    (filters.assigned === undefined || (conversation.assigneeId !== null) === filters.assigned) &&
    (filters.teamId === undefined || conversation.teamId === filters.teamId)
  );
}

function queryString(filters: ConversationFilters, limit: number, cursor?: string): string {
  const search = new URLSearchParams({ limit: String(limit) });
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) search.set(key, String(value));
  if (cursor) search.set('cursor', cursor);
  return `/v1/conversations?${search}`;
}

/**
 * A filtered view kept live: it follows the frames the conversation list follows (a new
 * message moves a held conversation, a change to one that no longer matches takes it out),
 * and asks the relay again for what only it can say (a conversation it does not hold, a
 * resume), as many as the pages it was asked for hold (at most 100) in one call.
 */
export class LiveConversationQuery implements ConversationQuery {
  readonly state = new Store<ConversationQueryState>({ conversations: [], hasMore: false, loading: true });
  #cursor: string | null = null;
  /** How many pages the app has asked for: a refresh asks for as many conversations (at most 100). */
  #pages = 1;
  #refresh: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #generation = 0;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly rest: Rest,
    private readonly filters: ConversationFilters,
    private readonly pageSize: number,
    connection: ReadableStore<ConnectionState>,
    private readonly warn: (message: string, error: unknown) => void,
    private readonly onClose: () => void,
  ) {
    this.#unsubscribe = connection.subscribe(() => {
      if (connection.getSnapshot() === 'connected') this.refreshSoon(0);
    });
    this.refreshSoon(0);
  }

  follow(frame: ServerFrame, userId: string | null): void {
    const { conversations } = this.state.getSnapshot();
    const next = applyToList(conversations, frame, userId);
    if (next === null) {
      this.refreshSoon(100);
      return;
    }
    if (next === conversations) return;
    this.state.set({ ...this.state.getSnapshot(), conversations: next.filter((c) => matchesFilters(c, this.filters)) });
  }

  refreshSoon(delayMs: number): void {
    if (this.#refresh || this.#closed) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      const generation = ++this.#generation;
      const limit = Math.min(100, this.pageSize * this.#pages);
      this.rest.request<ConversationPage>('GET', queryString(this.filters, limit)).then(
        (page) => {
          if (this.#closed || generation !== this.#generation) return;
          this.#cursor = page.nextCursor;
          this.state.set({ conversations: page.conversations, hasMore: page.nextCursor !== null, loading: false });
        },
        (error: unknown) => this.warn('conversation view refresh failed', error),
      );
    }, delayMs);
  }

  async loadMore(): Promise<void> {
    if (!this.#cursor || this.#closed) return;
    this.#pages++;
    const generation = this.#generation;
    const page = await this.rest.request<ConversationPage>('GET', queryString(this.filters, this.pageSize, this.#cursor));
    if (this.#closed || generation !== this.#generation) return;
    this.#cursor = page.nextCursor;
    const held = this.state.getSnapshot().conversations;
    const known = new Set(held.map((c) => c.id));
    this.state.set({
      conversations: [...held, ...page.conversations.filter((c) => !known.has(c.id))],
      hasMore: page.nextCursor !== null,
      loading: false,
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#refresh);
    this.#unsubscribe();
    this.onClose();
  }
}
