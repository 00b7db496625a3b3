import type { ThreadPage } from '@chat4all/protocol';
import type { Conversations } from './cache/conversations.js';
import type { Socket } from './connection/socket.js';
import type { ChatMessage, MessageViews } from './messages/views.js';
import type { SendOptions } from './outbox/message.js';
import { type Rest, restPath } from './rest.js';
import { type ReadableStore, Store } from './store.js';

/** Where the user stands in a thread. */
export interface ThreadState {
  /** Whether the first page has arrived. */
  loaded: boolean;
  /** Whether older replies than the oldest held remain with the relay. */
  hasOlder: boolean;
  /** The user's read horizon in the thread: the seq of the last reply read. */
  readSeq: number;
  /** Replies after `readSeq` that others wrote and that are not deleted, live. */
  unreadCount: number;
}

/**
 * One thread as a UI shows it: its root followed by its replies (live, in order, the user's own pending ones last),
 * and the user's unread count in it. The first page is asked of the relay on first use; later replies arrive with the
 * conversation's messages, so a resume brings them too.
 */
export interface Thread {
  /** The root (once held), then the replies, as the conversation's messages are shown. */
  readonly messages: ReadableStore<readonly ChatMessage[]>;
  readonly state: ReadableStore<ThreadState>;
  /** Loads `limit` replies older than the oldest held; how many came. */
  loadOlder(limit?: number): Promise<number>;
  /** Loads `limit` replies newer than the newest held (after a gap); how many came. */
  loadNewer(limit?: number): Promise<number>;
  /** Replies in the thread through the outbox, as `client.send` sends; `showInConversation` also sends it to the conversation. */
  send(text: string, options?: Omit<SendOptions, 'threadId'>): Promise<ChatMessage>;
  /** Marks the thread read up to its newest held reply. */
  markRead(): Promise<void>;
}

interface ThreadDeps {
  rest: Rest;
  socket: Pick<Socket, 'request'>;
  conversations: Conversations;
  views: MessageViews;
  me: () => string | null;
  send: (conversationId: string, text: string, options: SendOptions) => Promise<ChatMessage>;
  warn: (message: string, error: unknown) => void;
}

/** The threads handed out, one per root, made on first use. */
export function threadsOf(deps: ThreadDeps): (conversationId: string, rootId: string) => Thread {
  const threads = new Map<string, Thread>();
  return (conversationId, rootId) => {
    const key = `${conversationId}/${rootId}`;
    let thread = threads.get(key);
    if (!thread) {
      thread = openThread(deps, conversationId, rootId);
      threads.set(key, thread);
    }
    return thread;
  };
}

function openThread(deps: ThreadDeps, conversationId: string, rootId: string): Thread {
  const { rest, socket, conversations, views, me } = deps;
  const cache = conversations.get(conversationId);
  const state = new Store<ThreadState>({ loaded: false, hasOlder: false, readSeq: 0, unreadCount: 0 });
  const replies = () => cache.state.getSnapshot().messages.filter((m) => m.threadId === rootId);
  const seqs = () => replies().map((m) => m.seq);
  // The relay's unread count as of the newest reply then held; replies after that one are counted as they arrive.
  let counted = 0;
  let countedTo = 0;
  const recount = (next?: Partial<ThreadState>) => {
    const current = state.getSnapshot();
    const unreadCount = counted + replies().filter((m) => m.seq > countedTo && m.senderId !== me() && m.deletedAt === null).length;
    if (next || unreadCount !== current.unreadCount) state.set({ ...current, ...next, unreadCount });
  };
  const sync = (readSeq: number, unreadCount: number, next?: Partial<ThreadState>) => {
    counted = unreadCount;
    countedTo = Math.max(0, ...seqs());
    recount({ ...next, readSeq });
  };
  cache.state.subscribe(() => recount());

  const page = async (query: string): Promise<ThreadPage> => {
    const path = `${restPath`/v1/conversations/${conversationId}/threads/${rootId}/messages`}?${query}`;
    const answer = await rest.request<ThreadPage>('GET', path);
    cache.dispatch({ type: 'messages', messages: [answer.root, ...answer.messages] });
    return answer;
  };
  page('limit=50').then(
    (first) => sync(first.readSeq, first.unreadCount, { loaded: true, hasOlder: first.hasMore }),
    (error: unknown) => deps.warn('thread failed', error),
  );

  return {
    messages: views.thread(conversationId, rootId),
    state,
    async loadOlder(limit = 50) {
      const older = await page(`before=${Math.min(2 ** 31 - 1, ...seqs())}&limit=${limit}`);
      recount({ hasOlder: older.hasMore });
      return older.messages.length;
    },
    loadNewer: async (limit = 50) => (await page(`after=${Math.max(0, ...seqs())}&limit=${limit}`)).messages.length,
    send: (text, options = {}) => deps.send(conversationId, text, { ...options, threadId: rootId }),
    async markRead() {
      const seq = Math.max(0, ...seqs());
      const read = await socket.request({ type: 'thread.read', conversationId, threadId: rootId, seq });
      sync(read.readSeq, read.unreadCount);
    },
  };
}
