import type { ConversationPage, ConversationSummary, Message, ServerFrame, UnreadTotal } from '@chat4all/protocol';
import type { ConnectionState } from '../connection/machine.js';
import { mentionsUser } from '../mentions.js';
import { inConversation } from '../messages/views.js';
import type { Rest } from '../rest.js';
import { type ReadableStore, Store } from '../store.js';

/** Where a conversation sorts: pinned ones (by when pinned) above the others (by activity); ISO times of one format sort as they happened. */
const rank = (c: ConversationSummary): string => (c.settings.pinnedAt ? `1${c.settings.pinnedAt}` : `0${c.lastActivityAt}`) + c.id;

/** As the relay orders the list: pinned first, most recently pinned first; then most recent activity; then by id. */
export function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  const [x, y] = [rank(a), rank(b)];
  return x < y ? 1 : x > y ? -1 : 0;
}

/**
 * The conversation list after a frame, where the list can follow it by itself: a new message
 * (last message, activity, order, one more unread when someone else wrote it, and one more
 * unread mention when it mentions the user), an edit or
 * a reaction of the last message, a change to the conversation itself (status and assignment included). Null when only the relay can say (a conversation the list
 * does not hold, a delete, the user's own read horizon, membership changes,
 * the user's own settings, which change the totals too): the caller asks the relay again. Frames that do not touch the list return it unchanged.
 */
export function applyToList(
  list: readonly ConversationSummary[],
  frame: ServerFrame,
  userId: string | null,
): readonly ConversationSummary[] | null {
  switch (frame.type) {
    case 'typing':
    case 'presence':
    case 'member.restricted':
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
      // A reply sent only to its thread is not the conversation's last message nor one of its unread ones (as the relay counts).
      const shown = inConversation(message);
      const next: ConversationSummary = {
        ...held,
        lastMessage: shown ? message : held.lastMessage,
        lastSeq: message.seq,
        // ISO times of one format sort as they happened.
        lastActivityAt: [held.lastActivityAt, message.createdAt].sort()[1] as string,
        unreadCount: held.unreadCount + (shown && message.senderId !== userId ? 1 : 0),
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
    case 'conversation.updated': {
      // Title, picture, metadata, status and assignment: the summary keeps the member's own counts and settings.
      const held = list.find((c) => c.id === frame.conversation.id);
      if (!held) return null;
      // A page asked for meanwhile may already hold this change or a later one.
      if (frame.conversation.lastEventSeq <= held.lastEventSeq) return list;
      const { lastSeq, lastActivityAt } = frame.conversation;
      const next: ConversationSummary = {
        ...held,
        ...frame.conversation,
        // A message committed after the change may have reached the list first.
        lastSeq: Math.max(held.lastSeq, lastSeq),
        lastActivityAt: [held.lastActivityAt, lastActivityAt].sort()[1] as string,
      };
      return list.map((c) => (c === held ? next : c));
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
 * The user's conversation list and their unread totals. It follows what frames it can by
 * itself (`applyToList`), moving the totals by what the changed conversations add to them;
 * for the rest, and after every resume, it asks the relay, which has last messages, unread
 * counts and totals (over every conversation, not only the listed ones) exact: one call per
 * burst of changes.
 */
export class ConversationList {
  readonly list = new Store<readonly ConversationSummary[]>([]);
  readonly totals = new Store<UnreadTotal>({ messages: 0, conversations: 0 });
  readonly unreadTotal: ReadableStore<number> = {
    subscribe: this.totals.subscribe,
    getSnapshot: () => this.totals.getSnapshot().messages,
  };
  #refresh: ReturnType<typeof setTimeout> | undefined;
  readonly #rest: Rest;
  readonly #warn: (message: string, error: unknown) => void;

  constructor(rest: Rest, connection: ReadableStore<ConnectionState>, warn: (message: string, error: unknown) => void) {
    this.#rest = rest;
    this.#warn = warn;
    // Connected means resumed: what changed while away is in the relay's list.
    connection.subscribe(() => {
      if (connection.getSnapshot() === 'connected') this.refreshSoon(0);
    });
  }

  follow(frame: ServerFrame, userId: string | null): void {
    const list = this.list.getSnapshot();
    const next = applyToList(list, frame, userId);
    if (next === null || (frame.type === 'message.updated' && mayMoveMentions(list, frame.message, userId))) this.refreshSoon(100);
    if (next === null) return;
    this.list.set(next);
    // Only a new message adds to the totals; an edit or a reaction of the last message does not.
    const message = frame.type === 'message.created' ? frame.message : undefined;
    const held =
      message &&
      next !== list &&
      message.senderId !== userId &&
      inConversation(message) &&
      next.find((c) => c.id === message.conversationId);
    // Muted and archived ones are not counted (a mute that ended since the list came counts again at its next refresh).
    if (held && !held.settings.archived && !held.settings.mutedUntil) {
      const { messages, conversations } = this.totals.getSnapshot();
      // One more unread message, and one more unread conversation if it had none and was not marked.
      this.totals.set({ messages: messages + 1, conversations: conversations + +(held.unreadCount < 2 && !held.settings.markedUnread) });
    }
  }

  refreshSoon(delayMs: number): void {
    if (this.#refresh) return;
    this.#refresh = setTimeout(() => {
      this.#refresh = undefined;
      Promise.all([
        this.#rest.request<ConversationPage>('GET', '/v1/conversations?limit=100'),
        this.#rest.request<UnreadTotal>('GET', '/v1/me/unread'),
      ]).then(
        ([page, totals]) => {
          this.list.set(page.conversations);
          this.totals.set(totals);
        },
        (error: unknown) => this.#warn('conversation list refresh failed', error),
      );
    }, delayMs);
  }

  close(): void {
    clearTimeout(this.#refresh);
  }
}
