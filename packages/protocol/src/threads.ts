import { type Static, Type } from '@sinclair/typebox';
import { Id, Message, MessageId } from './models.js';

/**
 * `GET …/threads/:rootId/messages`: the root, a page of its replies (ascending by seq, paged
 * with `before`/`after` as history is), and the caller's read horizon and unread count in it.
 */
export const ThreadPage = Type.Object({
  root: Message,
  /** Replies, ascending by seq; deleted ones are tombstones. */
  messages: Type.Array(Message),
  /** Whether more replies exist beyond this page in the direction asked. */
  hasMore: Type.Boolean(),
  /** The caller's read horizon in the thread: the seq of the last reply read (0 for none). */
  readSeq: Type.Integer({ minimum: 0 }),
  /** Replies after `readSeq` that others wrote and that are not deleted. */
  unreadCount: Type.Integer({ minimum: 0 }),
});
export type ThreadPage = Static<typeof ThreadPage>;

/** A member's read horizon in a thread after `thread.read` (or `POST …/threads/:rootId/read`). */
export const ThreadReadResult = Type.Object({
  conversationId: Id,
  threadId: MessageId,
  userId: Id,
  readSeq: Type.Integer({ minimum: 0 }),
  unreadCount: Type.Integer({ minimum: 0 }),
});
export type ThreadReadResult = Static<typeof ThreadReadResult>;
