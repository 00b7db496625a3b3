import type { ConversationPage, ConversationSummary, ServerFrame } from '@chat4all/protocol';
import type { ConnectionState } from '../connection/machine.js';
import type { ConversationFilters } from '../conversation-api.js';
import type { Rest } from '../rest.js';
import { type ReadableStore, Store } from '../store.js';
import { applyToList, byActivity } from './list.js';

/** What a view of the list holds: its conversations (in the list's order), and whether the relay has more. */
export interface ConversationQueryState {
  conversations: readonly ConversationSummary[];
  hasMore: boolean;
  /** True until the first page has come (or failed). */
  loading: boolean;
  /** Why the last ask failed; null once one succeeds. The next frame or reconnect asks again. */
  error: Error | null;
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
  readonly state = new Store<ConversationQueryState>({ conversations: [], hasMore: false, loading: true, error: null });
  /** Bumped by each change the view makes by itself, so an answer asked for before one is not taken as newer. */
  #changes = 0;
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
    this.#changes++;
    this.state.set({ ...this.state.getSnapshot(), conversations: next.filter((c) => matchesFilters(c, this.filters)) });
  }

  refreshSoon(delayMs: number): void {
    if (this.#refresh || this.#closed) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      const generation = ++this.#generation;
      const pages = this.#pages;
      const changes = this.#changes;
      const limit = Math.min(100, this.pageSize * pages);
      this.rest.request<ConversationPage>('GET', queryString(this.filters, limit)).then(
        (page) => {
          if (this.#closed || generation !== this.#generation) return;
          this.#cursor = page.nextCursor;
          const conversations = pages === this.#pages && changes === this.#changes ? page.conversations : this.#merge(page.conversations);
          this.state.set({ conversations, hasMore: page.nextCursor !== null, loading: false, error: null });
        },
        (error: unknown) => {
          this.warn('conversation view refresh failed', error);
          if (!this.#closed) this.state.set({ ...this.state.getSnapshot(), loading: false, error: error as Error });
        },
      );
    }, delayMs);
  }

  /**
   * An answer asked for before the view changed by itself (a frame applied, a page loaded): the
   * relay's list, each conversation as the newer of its two versions, and the pages loaded since
   * kept, in the list's order.
   */
  #merge(answer: readonly ConversationSummary[]): readonly ConversationSummary[] {
    const held = new Map(this.state.getSnapshot().conversations.map((c) => [c.id, c]));
    const newer = (c: ConversationSummary) => {
      const mine = held.get(c.id);
      return mine && (mine.lastSeq > c.lastSeq || mine.lastEventSeq > c.lastEventSeq) ? mine : c;
    };
    const merged = new Map(answer.map((c) => [c.id, newer(c)]));
    for (const [id, c] of held) if (!merged.has(id)) merged.set(id, c);
    return [...merged.values()].filter((c) => matchesFilters(c, this.filters)).sort(byActivity);
  }

  async loadMore(): Promise<void> {
    if (!this.#cursor || this.#closed) return;
    this.#pages++;
    const generation = this.#generation;
    const page = await this.rest.request<ConversationPage>('GET', queryString(this.filters, this.pageSize, this.#cursor));
    if (this.#closed || generation !== this.#generation) return;
    this.#cursor = page.nextCursor;
    this.#changes++;
    const held = this.state.getSnapshot().conversations;
    const known = new Set(held.map((c) => c.id));
    this.state.set({
      conversations: [...held, ...page.conversations.filter((c) => !known.has(c.id))],
      hasMore: page.nextCursor !== null,
      loading: false,
      error: null,
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
