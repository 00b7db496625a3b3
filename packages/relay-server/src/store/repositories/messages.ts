import type {
  Attachment,
  GroupMentions,
  LinkPreview,
  MemberRole,
  Message,
  MessageContent,
  MessageKind,
  Metadata,
  ThreadSummary,
} from '@chat4all/protocol';
import type { SendRestrictions } from './safety.js';

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
  /** Members mentioned, each once; none when absent. */
  mentions?: readonly string[];
  /** Whether it mentions everyone. */
  mentionsAll?: boolean;
  /** The root of the thread it replies in; none when absent. */
  threadId?: string | null;
  /** A thread reply that also shows in the conversation. */
  showInConversation?: boolean;
  now: number;
}

/** What an append reads of a thread's root: whether it is itself a thread reply, and whether it is deleted. */
export interface ThreadRootFacts {
  threadId: string | null;
  deleted: boolean;
}

/** A page of messages to list. */
export interface MessageRange {
  before?: number;
  after?: number;
  limit: number;
  view?: { conversation: true } | { thread: string };
}

/** A member's read horizon in a thread and how many replies after it are unread. */
export interface ThreadReadState {
  readSeq: number;
  unreadCount: number;
}

/** Whom a message mentions: members by id, and whether everyone. */
export interface MessageMentions {
  userIds: readonly string[];
  all: boolean;
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
  | {
      ok: false;
      code: AppendRefusal;
      /** With MEMBER_MUTED: when the sender's mute ends (null: until lifted), as the append read it. */
      mutedUntil?: number | null;
    };

/** Why an append refuses an input. */
export type AppendRefusal =
  | 'CONVERSATION_NOT_FOUND'
  | 'MESSAGE_ID_CONFLICT'
  | 'REPLY_TARGET_NOT_FOUND'
  | 'MENTION_NOT_MEMBER'
  | 'GROUP_MENTION_NOT_ALLOWED'
  | 'THREAD_ROOT_NOT_FOUND'
  | 'NESTED_THREAD'
  | 'THREAD_ROOT_DELETED'
  | 'MEMBER_MUTED'
  | 'BLOCKED';

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

/** A conversation's counters as an append batch moves them: read once per batch, written once if `changed`. */
export interface AppendCounters {
  lastSeq: number;
  lastActivityAt: number;
  changed: boolean;
}

/**
 * What an append has read about one input. Adapters keep one per batch and refill it for
 * each input, so deciding allocates nothing.
 */
export interface AppendFacts {
  /** The conversation's counters as the batch has moved them; null when there is no such conversation. */
  conversation: AppendCounters | null;
  /** Whether the sender is a member (true for a message with no sender). */
  senderIsMember: boolean;
  /** Whether the reply target is a message of the same conversation (true when the input replies to nothing). */
  replyTargetFound: boolean;
  /**
   * The message already stored with the input's id, as who sent it where: null when there is
   * none, undefined when not read yet (an adapter may learn it from the insert instead).
   */
  stored: { conversationId: string; senderId: string | null } | null | undefined;
  /** Whether every member the input mentions is a member of its conversation (true when it mentions no one). */
  mentionsAreMembers: boolean;
  /** Who may mention everyone in the conversation, read only when the input does. */
  groupMentions: GroupMentions;
  /** The sender's role, read only when the input mentions everyone; null for a message with no sender. */
  senderRole: MemberRole | null;
  /** The thread root in the input's conversation, read only when the input replies in a thread; null when there is none. */
  threadRoot: ThreadRootFacts | null;
  /** What refuses the sender in the conversation at the input's `now`: read only for a message with a sender. */
  senderRestrictions: SendRestrictions;
}

/** A refusal, `stored` (the id is a retry: answer with the stored message), or the seq a new message gets. */
export type AppendDecision = AppendRefusal | 'stored' | number;

/** The rules of an append (`messages/append-plan.ts`), handed to the store, which only reads facts and writes rows. */
export interface AppendPlan {
  /** What becomes of one input given its facts. A seq is a proposal: `advance` takes it once the row is written. */
  decide(input: AppendInput, facts: AppendFacts): AppendDecision;
  /** Moves the conversation's counters past a new message. */
  advance(counters: AppendCounters, input: AppendInput, seq: number): void;
  /** Whether the contacts among the members (other than the sender) get a delivery of this new message. */
  dispatches(input: AppendInput): boolean;
  /** A thread root's summary after a new reply (`summary` null for the first). */
  summarize(summary: ThreadSummary | null, reply: Message): ThreadSummary;
}

/**
 * A member's horizons after a receipt (`messages/receipts.ts`), as the outcome, `eventSeq`
 * still null: the store records an event, and sets it, only when they moved.
 */
export type MoveHorizons = (
  input: ReceiptInput,
  deliveredSeq: number,
  readSeq: number,
  lastSeq: number,
) => { ok: true; deliveredSeq: number; readSeq: number; eventSeq: number | null };

/** Messages: appends, edits, deletes, reactions, and each member's delivered/read horizons. */
export interface MessagesRepository {
  /**
   * Appends a batch in **one transaction**: each new id gets the next seq of its
   * conversation; an id already stored returns its original message (same seq, same
   * createdAt) and writes nothing. A sender must be a member; a `replyTo` must be in the
   * same conversation. Outcomes are in input order.
   */
  append(batch: readonly AppendInput[], plan: AppendPlan): Promise<AppendOutcome[]>;
  get(conversationId: string, messageId: string): Promise<Message | null>;
  /**
   * Ascending by seq. `before` pages backwards (the newest `limit` below it), `after` forwards.
   * `view` narrows it: `conversation` leaves out thread replies not shown in the conversation,
   * a `thread` keeps only that root's replies; every message otherwise.
   */
  list(conversationId: string, range: MessageRange): Promise<{ messages: Message[]; hasMore: boolean }>;
  /**
   * Sets new text and `editedAt` (and, given, new mentions and the link previews it keeps) with
   * a `message.updated` event. A deleted message is returned unchanged with `eventSeq: null`.
   */
  edit(
    conversationId: string,
    messageId: string,
    text: string,
    now: number,
    mentions?: MessageMentions,
    previews?: readonly LinkPreview[],
  ): Promise<{ message: Message; eventSeq: number | null } | null>;
  /**
   * Sets the link previews of a message whose text is still `text` (what they were found in)
   * and that is not deleted, with a `message.updated` event; null when it is deleted, its text
   * changed since, or it already has these previews.
   */
  setPreviews(
    conversationId: string,
    messageId: string,
    text: string,
    previews: readonly LinkPreview[],
    now: number,
  ): Promise<{ message: Message; eventSeq: number } | null>;
  /** Tombstones the message (text, metadata and previews gone, seq kept) with a `message.deleted` event. Deleting again returns the tombstone with `eventSeq: null`. */
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
  /** A member's read horizon in a thread (0 before any read) and the replies after it that others wrote and that are not deleted. */
  threadReadState(conversationId: string, threadId: string, userId: string): Promise<ThreadReadState>;
  /**
   * Moves a member's read horizon in a thread forward to `seq`, never back and never past the
   * thread's last reply; the state after it.
   */
  readThread(conversationId: string, threadId: string, userId: string, seq: number): Promise<ThreadReadState>;
  /** The messages with these ids in the conversation, in seq order. */
  getMany(conversationId: string, messageIds: readonly string[]): Promise<Message[]>;

  /**
   * Moves delivered/read horizons forward, in **one transaction** for the batch. A horizon
   * never moves back and never past the conversation's last seq; `read` moves `delivered`
   * too. A change records a `receipt` event.
   */
  applyReceipts(batch: readonly ReceiptInput[], move: MoveHorizons): Promise<ReceiptOutcome[]>;
}
