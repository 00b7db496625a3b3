import type { HistoryQuery, Message, ThreadPage, ThreadReadResult } from '@chat4all/protocol';
import type { Principal } from '../auth/tokens.js';
import type { ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import type { Limits } from '../limits/limits.js';
import { visibleHistory } from '../safety/visibility.js';
import type { Store } from '../store/types.js';

/**
 * Threads as their members read them: a root's replies paged both ways, with the caller's read
 * horizon and unread count in the thread, and that horizon moved by the member. Replies
 * themselves are appended by the message path (`threadId` on a send).
 */
export class ThreadService {
  constructor(
    private readonly store: Pick<Store, 'messages'>,
    private readonly conversations: Pick<ConversationService, 'access'>,
    private readonly rateLimits: Pick<Limits, 'write'>,
    /** The senders a user blocked, whose replies their pages leave out. */
    private readonly hiddenFor: (userId: string) => Promise<ReadonlySet<string>> = async () => new Set(),
  ) {}

  /** The root, a page of its replies (`before`/`after` as history), and the caller's horizon; the server API key reads none (0). */
  async page(principal: Principal, conversationId: string, rootId: string, query: HistoryQuery): Promise<ThreadPage> {
    await this.conversations.access(principal, conversationId);
    const root = await this.#root(conversationId, rootId);
    const hidden = principal.kind === 'user' ? await this.hiddenFor(principal.userId) : new Set<string>();
    const view = { thread: rootId };
    const page = await visibleHistory(
      (range) => this.store.messages.list(conversationId, { ...range, view }),
      { before: query.before, after: query.after, limit: query.limit ?? 50 },
      hidden,
    );
    const state =
      principal.kind === 'user'
        ? await this.store.messages.threadReadState(conversationId, rootId, principal.userId)
        : { readSeq: 0, unreadCount: 0 };
    return { root, ...page, ...state };
  }

  /** Moves the member's read horizon in the thread forward (never back, never past its last reply). */
  async read(userId: string, conversationId: string, rootId: string, seq: number): Promise<ThreadReadResult> {
    const refusal = await this.rateLimits.write('receipt', userId);
    if (refusal) throw refusal;
    await this.conversations.access({ kind: 'user', userId, displayName: null }, conversationId);
    await this.#root(conversationId, rootId);
    const state = await this.store.messages.readThread(conversationId, rootId, userId, seq);
    return { conversationId, threadId: rootId, userId, ...state };
  }

  async #root(conversationId: string, rootId: string): Promise<Message> {
    const root = await this.store.messages.get(conversationId, rootId);
    if (!root) throw new RelayError('THREAD_ROOT_NOT_FOUND', `Message ${rootId} is not a message of this conversation`);
    if (root.threadId !== null) throw new RelayError('NESTED_THREAD', `Message ${rootId} is a reply in a thread, not a thread's root`);
    return root;
  }
}
