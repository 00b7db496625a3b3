import type { ConversationPage, ConversationSummary, Message, ServerFrame } from '@chat4all/protocol';
import type { ConnectionState } from '../connection/machine.js';
import { mentionsUser } from '../mentions.js';
import type { Rest } from '../rest.js';
import { type ReadableStore, Store } from '../store.js';

/** Most recent activity first, then by id, as the relay orders the list. */
function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt < b.lastActivityAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The conversation list after a frame, where the list can follow it by itself: a new message
 * (last message, activity, order, one more unread when someone else wrote it, and one more
 * unread mention when it mentions the user), an edit or
 * a reaction of the last message. Null when only the relay can say (a conversation the list
 * does not hold, a delete, the user's own read horizon, membership and conversation changes):
 * the caller asks the relay again. Frames that do not touch the list return it unchanged.
 */
export function applyToList(
  list: readonly ConversationSummary[],
  frame: ServerFrame,
  userId: string | null,
): readonly ConversationSummary[] | null {
  switch (frame.type) {
    case 'typing':
    case 'presence':
    case 'delivery.updated':
    case 'ack':
    case 'error':
    case 'welcome':
      return list;
    case 'receipt':
      return frame.userId === userId ? null : list;
    case 'message.created': {
      const { message } = frame;
      const held = list.find((c) => c.id === message.conversationId);
      if (!held) return null;
      if (message.seq <= held.lastSeq) return list;
      const next: ConversationSummary = {
        ...held,
        lastMessage: message,
        lastSeq: message.seq,
        // ISO times of one format sort as they happened.
        lastActivityAt: [held.lastActivityAt, message.createdAt].sort()[1] as string,
        unreadCount: held.unreadCount + (message.senderId !== userId ? 1 : 0),
        unreadMentionCount: held.unreadMentionCount + (mentionsUser(message, userId) ? 1 : 0),
      };
      return list.map((c) => (c === held ? next : c)).sort(byActivity);
    }
    case 'message.updated':
    case 'reaction.updated': {
      const id = frame.type === 'message.updated' ? frame.message.id : frame.messageId;
      const held = list.find((c) => c.id === (frame.type === 'message.updated' ? frame.message.conversationId : frame.conversationId));
      if (!held) return null;
      if (held.lastMessage?.id !== id) return list;
      const lastMessage = frame.type === 'message.updated' ? frame.message : { ...held.lastMessage, reactions: frame.reactions };
      return list.map((c) => (c === held ? { ...held, lastMessage } : c));
    }
    default:
      return null;
  }
}

/**
 * Whether an edit may change the user's unread mentions: it mentions them now, or they had
 * some unread in that conversation (the edit may have taken one away). Only the relay knows
 * which messages are past their read horizon, so the list asks it again.
 */
function mayMoveMentions(list: readonly ConversationSummary[], message: Message, userId: string | null): boolean {
  if (mentionsUser(message, userId)) return true;
  return (list.find((c) => c.id === message.conversationId)?.unreadMentionCount ?? 0) > 0;
}

/**
 * The user's conversation list and its unread total. It follows what frames it can by itself
 * (`applyToList`); for the rest, and after every resume, it asks the relay, which has last
 * messages and unread counts exact: one call per burst of changes.
 */
export class ConversationList {
  readonly list = new Store<readonly ConversationSummary[]>([]);
  readonly unreadTotal = new Store(0);
  #refresh: ReturnType<typeof setTimeout> | undefined;
  readonly #rest: Rest;
  readonly #warn: (message: string, error: unknown) => void;

  constructor(rest: Rest, connection: ReadableStore<ConnectionState>, warn: (message: string, error: unknown) => void) {
    this.#rest = rest;
    this.#warn = warn;
    this.list.subscribe(() => this.unreadTotal.set(this.list.getSnapshot().reduce((sum, c) => sum + c.unreadCount, 0)));
    // Connected means resumed: what changed while away is in the relay's list.
    connection.subscribe(() => {
      if (connection.getSnapshot() === 'connected') this.refreshSoon(0);
    });
  }

  follow(frame: ServerFrame, userId: string | null): void {
    const list = this.list.getSnapshot();
    const next = applyToList(list, frame, userId);
    if (next === null || (frame.type === 'message.updated' && mayMoveMentions(list, frame.message, userId))) this.refreshSoon(100);
    if (next !== null) this.list.set(next);
  }

  refreshSoon(delayMs: number): void {
    if (this.#refresh) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      this.#rest.request<ConversationPage>('GET', '/v1/conversations?limit=100').then(
        (page) => this.list.set(page.conversations),
        (error: unknown) => this.#warn('conversation list refresh failed', error),
      );
    }, delayMs);
  }

  close(): void {
    clearTimeout(this.#refresh);
  }
}
