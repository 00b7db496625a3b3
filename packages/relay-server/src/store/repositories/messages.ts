import type { Attachment, Message, MessageContent, MessageKind, Metadata } from '@chat4all/protocol';

/** A message's reactions as stored: per key, in the order it was first used, who reacted and when (epoch ms), earliest first. */
export type StoredReactions = Array<{ key: string; by: Array<[userId: string, at: number]> }>;

/** The reactions a change leaves (`messages.react` stores them), a refusal, or null for no change. */
export type ReactionPlan = { ok: true; reactions: StoredReactions } | { ok: false; code: 'TOO_MANY_REACTIONS' } | null;

/** One message to append. `id` is the client's id; `now` becomes `createdAt` if it is new. */
export interface AppendInput {
  id: string;
  conversationId: string;
  senderId: string | null;
  kind: MessageKind;
  text: string;
  metadata: Metadata;
  attachment: Attachment | null;
  content: MessageContent | null;
  replyTo: string | null;
  now: number;
}

export type AppendOutcome =
  /** `created` is false when the id was already stored: `message` is then the original. */
  | {
      ok: true;
      created: boolean;
      message: Message;
      /** A new message to a conversation with contacts: deliveries to their channels were recorded with it. */
      dispatch?: boolean;
    }
  | { ok: false; code: 'CONVERSATION_NOT_FOUND' | 'MESSAGE_ID_CONFLICT' | 'REPLY_TARGET_NOT_FOUND' };

export interface ReceiptInput {
  conversationId: string;
  userId: string;
  kind: 'delivered' | 'read';
  seq: number;
  now: number;
}

export type ReceiptOutcome =
  /** `eventSeq` is null when the horizons did not move (an old or repeated receipt). */
  { ok: true; deliveredSeq: number; readSeq: number; eventSeq: number | null } | { ok: false; code: 'CONVERSATION_NOT_FOUND' };

/** Messages: appends, edits, deletes, reactions, and each member's delivered/read horizons. */
export interface MessagesRepository {
  /**
   * Appends a batch in **one transaction**: each new id gets the next seq of its
   * conversation; an id already stored returns its original message (same seq, same
   * createdAt) and writes nothing. A sender must be a member; a `replyTo` must be in the
   * same conversation. Outcomes are in input order.
   */
  append(batch: readonly AppendInput[]): Promise<AppendOutcome[]>;
  get(conversationId: string, messageId: string): Promise<Message | null>;
  /** Ascending by seq. `before` pages backwards (the newest `limit` below it), `after` forwards. */
  list(
    conversationId: string,
    range: { before?: number; after?: number; limit: number },
  ): Promise<{ messages: Message[]; hasMore: boolean }>;
  /** Sets new text and `editedAt` with a `message.updated` event. A deleted message is returned unchanged with `eventSeq: null`. */
  edit(conversationId: string, messageId: string, text: string, now: number): Promise<{ message: Message; eventSeq: number | null } | null>;
  /** Tombstones the message (text and metadata gone, seq kept) with a `message.deleted` event. Deleting again returns the tombstone with `eventSeq: null`. */
  delete(conversationId: string, messageId: string, now: number): Promise<{ message: Message; eventSeq: number | null } | null>;
  /**
   * Changes a message's reactions in one transaction: `plan` gets the stored reactions and
   * returns the new ones (a `reaction.updated` event by `userId`), null for no change, or a
   * refusal, which is returned as it is. A deleted message is not changed (`eventSeq: null`).
   */
  react(
    conversationId: string,
    messageId: string,
    userId: string,
    plan: (current: StoredReactions) => ReactionPlan,
    now: number,
  ): Promise<{ ok: true; message: Message; eventSeq: number | null } | { ok: false; code: 'TOO_MANY_REACTIONS' } | null>;
  /** The messages with these ids in the conversation, in seq order. */
  getMany(conversationId: string, messageIds: readonly string[]): Promise<Message[]>;

  /**
   * Moves delivered/read horizons forward, in **one transaction** for the batch. A horizon
   * never moves back and never past the conversation's last seq; `read` moves `delivered`
   * too. A change records a `receipt` event.
   */
  applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]>;
}
