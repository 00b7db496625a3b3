import type { ConversationSummary, ServerFrame } from '@chat4all/protocol';

/** Most recent activity first, then by id, as the relay orders the list. */
function byActivity(a: ConversationSummary, b: ConversationSummary): number {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt < b.lastActivityAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The conversation list after a frame, where the list can follow it by itself: a new message
 * (last message, activity, order, and one more unread when someone else wrote it), an edit or
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
