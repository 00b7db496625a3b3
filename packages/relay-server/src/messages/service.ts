/**
 * The message service: every change a member makes to a conversation's messages (send,
 * receive from a channel, edit, delete, react, receipts) and the history they read. Over 400
 * lines because each of these shares the same order of checks, the same group commits and the
 * same observers; the rules themselves live beside it (append-plan.ts, reactions.ts,
 * in-order.ts), so what stays here is the path each change takes through them.
 */
import {
  type Attachment,
  contentText,
  type EditMessageBody,
  type HistoryQuery,
  type MemberRole,
  type Message,
  type MessageKind,
  type MessageReceipts,
  type ReceiptResult,
  type SendAck,
  type SendMessageBody,
} from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../auth/tokens.js';
import type { Publisher } from '../bus/node-events.js';
import type { ConversationEnvelope } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import type { ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import { checkMetadataSize, enforceUserLimit } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import { type MessageModeration, moderate, moderateEdit, rejectedOnly } from '../moderation/gate.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import { type SafetyService, sendRefusal } from '../safety/service.js';
import { visibleHistory } from '../safety/visibility.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { AppendInput, AppendOutcome, MessageMentions, ReceiptInput, ReceiptOutcome, Store } from '../store/types.js';
import { mayMentionEveryone } from './append-plan.js';
import { InOrder } from './in-order.js';
import { planReactions, type ReactionChange } from './reactions.js';

/** What an edit may change of a message's mentions. */
export type MentionChange = Pick<EditMessageBody, 'mentions' | 'mentionsAll'>;

/** A change to a stored message that channels may pass on: an edit, a delete, or a member's reactions (`userId`). */
export interface MessageChange {
  kind: 'edit' | 'delete' | 'reaction';
  message: Message;
  userId: string | null;
}

export interface MessageServiceOptions {
  limits: RelayConfig['limits'];
  appends: GroupCommit<AppendInput, AppendOutcome>;
  receipts: GroupCommit<ReceiptInput, ReceiptOutcome>;
  /** Per-user limits of sends, edits and deletes (`edit`), reactions and receipts; the server API key is not limited. */
  rateLimits: Pick<Limits, 'send' | 'write'>;
  /** Send latency and committed messages. */
  metrics: Pick<RelayMetrics, 'sendAckSeconds' | 'messagesAppended'>;
  /** A committed message's line (debug), and failures to publish after a commit (never returned to the sender: the store has it). */
  log: Logger;
  attachments: MessageAttachments;
  /** The append span of each send; a pass-through when tracing is off. */
  tracing: Pick<Tracing, 'span'>;
  /** Content rules and the before-send hook, asked before a new message is committed; none lets every message through. */
  moderation?: MessageModeration;
  /** What refuses a sender (a mute, a block in a private conversation) and hides senders from a reader (their blocks). */
  safety: Pick<SafetyService, 'checkSend' | 'hiddenFor'>;
}

/** Files a message carries: the uploads feature's side of a send. */
export interface MessageAttachments {
  /**
   * Ties the sender's finished upload to the message (idempotent for the same message) and
   * describes it; throws UPLOAD_NOT_FOUND or UPLOAD_INCOMPLETE.
   */
  attach(senderId: string, conversationId: string, uploadId: string, messageId: string): Promise<Attachment>;
}

/** What channels pass on from the message path. */
export interface MessageObserver {
  /** A new message was committed (not a retry of one stored), and its sender acked or about to be. */
  appended?(message: Message): void;
  /** A committed message has deliveries to contacts' channels waiting (called in the send's trace context). */
  dispatching?(message: Message): void;
  /** A message's text changed, it was deleted, or its reactions changed: channels that take these pass them on. */
  changed?(change: MessageChange): void;
  /** A member's read horizon moved forward (channels that pass reads on mark the contact's messages read). */
  read?(conversationId: string, userId: string, readSeq: number): void;
  /** A member sent a read receipt, whether or not it moved their horizon (they opened the conversation); the receipt is acked after. */
  readBy?(conversationId: string, userId: string): Promise<void>;
}

const APPEND_ERRORS = {
  CONVERSATION_NOT_FOUND: (conversationId: string) => `Conversation ${conversationId} not found`,
  MESSAGE_ID_CONFLICT: () => 'The message id is already used by another message',
  REPLY_TARGET_NOT_FOUND: () => 'replyTo is not a message of this conversation',
  MENTION_NOT_MEMBER: () => 'mentions names someone who is not a member of this conversation',
  GROUP_MENTION_NOT_ALLOWED: () => "The conversation's groupMentions setting does not let the sender mention everyone",
  THREAD_ROOT_NOT_FOUND: () => 'threadId is not a message of this conversation',
  NESTED_THREAD: () => 'threadId is a reply in a thread: reply in its root’s thread instead',
  THREAD_ROOT_DELETED: () => 'The thread’s root message has been deleted',
} as const;

/** The message path: validate, append through group commit, ack, publish; plus history, edits, deletes and receipts. */
export class MessageService {
  readonly #observers = new Set<MessageObserver>();
  readonly #checksInOrder = new InOrder();

  constructor(
    private readonly store: Pick<Store, 'messages' | 'conversations'>,
    private readonly bus: Publisher,
    private readonly conversations: ConversationService,
    private readonly options: MessageServiceOptions,
  ) {}

  /** Adds an observer; the function returned removes it. */
  observe(observer: MessageObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Commits the sends and receipts waiting for their batch. */
  async flush(): Promise<void> {
    await Promise.all([this.options.appends.flush(), this.options.receipts.flush()]);
  }

  /** `connectionId` names the sending socket, which gets the ack instead of its own `message.created`. */
  async send(principal: Principal, conversationId: string, input: SendMessageBody, connectionId?: string): Promise<SendAck> {
    const started = performance.now();
    const checked = await this.#checksInOrder.run(conversationId, this.#check(principal, conversationId, input));
    return this.#commit(checked, started, connectionId);
  }

  /** Everything a send is held to before its append: limits, its author, shape, safety, its file, moderation. */
  async #check(principal: Principal, conversationId: string, input: SendMessageBody): Promise<AppendInput> {
    const refusal = principal.kind === 'user' ? await this.options.rateLimits.send(principal.userId) : undefined;
    if (refusal) throw refusal;
    const author = this.#author(principal, input);
    const content = input.content ?? null;
    if (content && input.attachment) throw new RelayError('BAD_REQUEST', 'A message carries a file or content, not both');
    if (content && author.kind === 'system') throw new RelayError('BAD_REQUEST', 'A system message carries no content');
    if (input.showInConversation && !input.threadId)
      throw new RelayError('BAD_REQUEST', 'showInConversation is for thread replies (threadId)');
    // A place or contact cards without text read as their own text.
    const text = input.text === '' && content ? contentText(content) : input.text;
    if (text === '' && !input.attachment)
      throw new RelayError('BAD_REQUEST', 'text must not be empty unless the message has an attachment or content');
    this.#checkText(text);
    const metadata = input.metadata ?? {};
    checkMetadataSize(metadata, this.options.limits.metadataMaxBytes);
    const { senderId } = author;
    // Decided in the append's transaction; read here first too when a refused send would otherwise claim its file or reach moderation.
    if (senderId !== null && (input.attachment || this.options.moderation?.active))
      await this.options.safety.checkSend(conversationId, senderId);
    let attachment: Attachment | null = null;
    if (input.attachment) {
      if (senderId === null) throw new RelayError('BAD_REQUEST', 'A file message needs a senderId: the uploader');
      attachment = await this.options.attachments.attach(senderId, conversationId, input.attachment.uploadId, input.id);
    }
    return moderate(this.options.moderation, 'app', {
      id: input.id,
      conversationId,
      senderId,
      kind: attachment ? 'file' : (content?.type ?? author.kind),
      text,
      metadata,
      attachment,
      content,
      replyTo: input.replyTo ?? null,
      mentions: input.mentions ? [...new Set(input.mentions)] : [],
      mentionsAll: input.mentionsAll ?? false,
      threadId: input.threadId ?? null,
      showInConversation: input.showInConversation ?? false,
      now: Date.now(),
    });
  }

  /**
   * A message from a contact, arriving through a channel: appended by the same idempotent
   * path, without the limits meant for app clients (the platform has its own).
   */
  async receive(input: Omit<AppendInput, 'now' | 'attachment'> & { attachment?: Attachment | null }): Promise<SendAck | null> {
    const append = { ...input, attachment: input.attachment ?? null, now: Date.now() };
    // A message moderation rejects is kept for audit only, and the platform told it was taken (null).
    const moderated = await moderate(this.options.moderation, 'channel', append).catch(rejectedOnly);
    if (!moderated) return null;
    return this.#commit(moderated, performance.now()).catch((error: unknown) => {
      // A contact muted after its channel's own check: dropped as that check drops it, the platform told it was taken.
      if (!(error instanceof RelayError) || (error.code !== 'MEMBER_MUTED' && error.code !== 'BLOCKED')) throw error;
      this.options.log.info(
        { conversationId: input.conversationId, senderId: input.senderId, code: error.code },
        'contact message dropped',
      );
      return null;
    });
  }

  async #commit(input: AppendInput, started: number, connectionId?: string): Promise<SendAck> {
    const { conversationId } = input;
    const attributes = { 'chat4all.conversation_id': conversationId, 'chat4all.message_id': input.id };
    const outcome = await this.options.tracing.span('chat4all.append', { attributes }, () => this.options.appends.submit(input));
    if (!outcome.ok) {
      if (outcome.code === 'MEMBER_MUTED' || outcome.code === 'BLOCKED') throw sendRefusal(outcome.code, outcome.mutedUntil);
      throw new RelayError(outcome.code, APPEND_ERRORS[outcome.code](conversationId));
    }
    const { message } = outcome;
    this.#sent(message, outcome.created, (performance.now() - started) / 1000);
    // Published synchronously on resolution, so publish order is commit order. A retry of a
    // stored id is published again on a shared bus only: the node that stored it may have died
    // before publishing (its sender never got the ack), and clients drop a message they already
    // hold by id. In one process, the first publish cannot have been lost without its subscribers.
    if (outcome.created || !this.bus.inProcess)
      this.#publish({ conversationId, event: { type: 'message.created', message }, excludeConnection: connectionId }, message.id);
    if (outcome.created) for (const observer of this.#observers) observer.appended?.(message);
    if (outcome.dispatch) for (const observer of this.#observers) observer.dispatching?.(message);
    return { messageId: message.id, conversationId: message.conversationId, seq: message.seq, createdAt: message.createdAt };
  }

  async history(principal: Principal, conversationId: string, query: HistoryQuery): Promise<{ messages: Message[]; hasMore: boolean }> {
    await this.conversations.access(principal, conversationId);
    // Thread replies not sent also to the conversation are left out: they page in their thread.
    const view = { conversation: true } as const;
    const hidden = principal.kind === 'user' ? await this.options.safety.hiddenFor(principal.userId) : new Set<string>();
    const range = { before: query.before, after: query.after, limit: query.limit ?? 50 };
    return visibleHistory((page) => this.store.messages.list(conversationId, { ...page, view }), range, hidden);
  }

  /**
   * New text for the author's message. Each of `mentions` and `mentionsAll` given replaces the
   * message's own, checked as a send checks them; omitted, it stays as it was.
   */
  async edit(
    principal: Principal,
    conversationId: string,
    messageId: string,
    edited: string,
    change: MentionChange = {},
  ): Promise<Message> {
    await this.#limit('edit', principal);
    this.#checkText(edited);
    const { original, role } = await this.#own(principal, conversationId, messageId, false);
    if (original.deletedAt) throw new RelayError('MESSAGE_DELETED', 'A deleted message cannot be edited');
    const text = original.senderId === null ? edited : moderateEdit(this.options.moderation, edited);
    const mentions = await this.#editedMentions(conversationId, original, role, change);
    // Previews of links the new text still has stay until they are found again; the others go now.
    const previews = original.previews.filter((preview) => text.includes(preview.url));
    const result = await this.store.messages.edit(conversationId, messageId, text, Date.now(), mentions, previews);
    if (!result) throw new RelayError('MESSAGE_NOT_FOUND');
    const { message, eventSeq } = result;
    if (eventSeq === null) throw new RelayError('MESSAGE_DELETED', 'A deleted message cannot be edited');
    this.#publish({ conversationId, event: { type: 'message.updated', message, eventSeq } }, message.id);
    this.#changed({ kind: 'edit', message, userId: null });
    return message;
  }

  async delete(principal: Principal, conversationId: string, messageId: string): Promise<Message> {
    await this.#limit('edit', principal);
    await this.#own(principal, conversationId, messageId, true);
    const result = await this.store.messages.delete(conversationId, messageId, Date.now());
    if (!result) throw new RelayError('MESSAGE_NOT_FOUND');
    const { message, eventSeq } = result;
    if (eventSeq !== null) {
      this.#publish({ conversationId, event: { type: 'message.deleted', message, eventSeq } }, message.id);
      this.#changed({ kind: 'delete', message, userId: null });
    }
    return message;
  }

  /**
   * A member (or, through the server API key, the member `principal.userId` names) reacts to a
   * message or takes a reaction back. Members see the change live as `reaction.updated`.
   */
  async react(principal: Principal, conversationId: string, messageId: string, change: ReactionChange, actorId?: string): Promise<Message> {
    const userId = principal.kind === 'user' ? principal.userId : actorId;
    if (userId === undefined) throw new RelayError('BAD_REQUEST', 'The server API key reacts as a member: give userId');
    if (principal.kind === 'user') {
      const refusal = await this.options.rateLimits.write('reaction', userId);
      if (refusal) throw refusal;
    }
    await this.conversations.access(principal, conversationId);
    if (principal.kind !== 'user' && !(await this.store.conversations.getMember(conversationId, userId)))
      throw new RelayError('FORBIDDEN', `${userId} is not a member of ${conversationId}`);
    const limits = { perUser: this.options.limits.reactionsPerUserPerMessage, keysPerMessage: this.options.limits.reactionKeysPerMessage };
    const now = Date.now();
    const result = await this.store.messages.react(
      conversationId,
      messageId,
      userId,
      (current) => planReactions(current, userId, change, limits, now),
      now,
    );
    if (!result) throw new RelayError('MESSAGE_NOT_FOUND', `Message ${messageId} not found`);
    if (!result.ok) throw new RelayError(result.code, `The message already has ${limits.keysPerMessage} different reactions`);
    const { message, eventSeq } = result;
    if (message.deletedAt) throw new RelayError('MESSAGE_DELETED', 'A deleted message takes no reactions');
    if (eventSeq !== null) {
      this.#publish(
        { conversationId, event: { type: 'reaction.updated', conversationId, messageId, userId, reactions: message.reactions, eventSeq } },
        messageId,
      );
      this.#changed({ kind: 'reaction', message, userId });
    }
    return message;
  }

  /** Moves the user's delivered or read horizon forward; members see the change live. */
  async receipt(userId: string, conversationId: string, kind: 'delivered' | 'read', seq: number): Promise<ReceiptResult> {
    const refusal = await this.options.rateLimits.write('receipt', userId);
    if (refusal) throw refusal;
    const outcome = await this.options.receipts.submit({ conversationId, userId, kind, seq, now: Date.now() });
    if (!outcome.ok) throw new RelayError(outcome.code, APPEND_ERRORS[outcome.code](conversationId));
    const { deliveredSeq, readSeq, eventSeq } = outcome;
    if (kind === 'read' && eventSeq !== null) for (const observer of this.#observers) observer.read?.(conversationId, userId, readSeq);
    // Awaited, so what the reader does next (marking it unread again) comes after.
    if (kind === 'read') for (const observer of this.#observers) await observer.readBy?.(conversationId, userId);
    if (eventSeq !== null) {
      this.#publish({ conversationId, event: { type: 'receipt', conversationId, userId, deliveredSeq, readSeq, eventSeq } }, '');
    }
    return { conversationId, userId, deliveredSeq, readSeq };
  }

  /** Who has received and read a message, from the members' horizons. */
  async receiptsOf(principal: Principal, conversationId: string, messageId: string): Promise<MessageReceipts> {
    await this.conversations.access(principal, conversationId);
    const message = await this.store.messages.get(conversationId, messageId);
    if (!message) throw new RelayError('MESSAGE_NOT_FOUND', `Message ${messageId} not found`);
    const others = (await this.store.conversations.listMembers(conversationId)).filter((m) => m.userId !== message.senderId);
    return {
      messageId,
      seq: message.seq,
      recipients: others.length,
      deliveredTo: others.filter((m) => m.deliveredSeq >= message.seq).map((m) => m.userId),
      readBy: others.filter((m) => m.readSeq >= message.seq).map((m) => m.userId),
    };
  }

  /**
   * The message, if the caller may change it: its author, the server API, or (for deletes) a
   * group admin; with the caller's role (null for the server API).
   */
  async #own(
    principal: Principal,
    conversationId: string,
    messageId: string,
    adminMayAct: boolean,
  ): Promise<{ original: Message; role: MemberRole | null }> {
    const { member } = await this.conversations.access(principal, conversationId);
    const message = await this.store.messages.get(conversationId, messageId);
    if (!message) throw new RelayError('MESSAGE_NOT_FOUND', `Message ${messageId} not found`);
    if (member && message.senderId !== member.userId) {
      const admin = member.role === 'owner' || member.role === 'admin';
      if (!(adminMayAct && admin)) throw new RelayError('FORBIDDEN', 'Only the author can change this message');
    }
    return { original: message, role: member?.role ?? null };
  }

  /** The mentions an edit leaves, checked against the members now; undefined when it changes none. */
  async #editedMentions(
    conversationId: string,
    original: Message,
    role: MemberRole | null,
    change: MentionChange,
  ): Promise<MessageMentions | undefined> {
    if (change.mentions === undefined && change.mentionsAll === undefined) return undefined;
    const userIds = change.mentions ? [...new Set(change.mentions)] : original.mentions;
    const all = change.mentionsAll ?? original.mentionsAll;
    if (change.mentions && userIds.length > 0) {
      const members = new Set((await this.store.conversations.listMembers(conversationId)).map((m) => m.userId));
      if (!userIds.every((id) => members.has(id))) throw new RelayError('MENTION_NOT_MEMBER', APPEND_ERRORS.MENTION_NOT_MEMBER());
    }
    if (change.mentionsAll && !original.mentionsAll) {
      const conversation = await this.store.conversations.get(conversationId);
      if (!conversation || !mayMentionEveryone(conversation.groupMentions, role))
        throw new RelayError('GROUP_MENTION_NOT_ALLOWED', APPEND_ERRORS.GROUP_MENTION_NOT_ALLOWED());
    }
    return { userIds, all };
  }

  #author(principal: Principal, input: SendMessageBody): { senderId: string | null; kind: MessageKind } {
    if (principal.kind === 'user') {
      if ((input.senderId !== undefined && input.senderId !== principal.userId) || input.kind === 'system') {
        throw new RelayError('FORBIDDEN', 'senderId and kind are for the server API key only');
      }
      return { senderId: principal.userId, kind: 'text' };
    }
    const senderId = input.senderId ?? null;
    return { senderId, kind: input.kind ?? (senderId === null ? 'system' : 'text') };
  }

  #limit(kind: 'edit' | 'reaction' | 'receipt', principal: Principal): Promise<void> {
    return enforceUserLimit(principal, (userId) => this.options.rateLimits.write(kind, userId));
  }

  /** Characters are Unicode code points: an emoji is one, though JavaScript counts two UTF-16 units. */
  #checkText(text: string): void {
    const max = this.options.limits.textMaxLength;
    // Counted only when the UTF-16 length could be over: code points are never more than units.
    const length = text.length > max ? [...text].length : text.length;
    if (length > max) throw new RelayError('TEXT_TOO_LONG', `Text is ${length} characters; the limit is ${max}`);
  }

  #sent(message: Message, created: boolean, seconds: number): void {
    const { metrics, log } = this.options;
    metrics.sendAckSeconds.observe(seconds);
    if (!created) return;
    metrics.messagesAppended.inc();
    if (log.isLevelEnabled('debug'))
      log.debug({ messageId: message.id, conversationId: message.conversationId, seq: message.seq }, 'message committed');
  }

  #changed(change: MessageChange): void {
    for (const observer of this.#observers) observer.changed?.(change);
  }

  #publish(envelope: Omit<ConversationEnvelope, 'kind'>, messageId: string): void {
    this.bus
      .publish({ kind: 'conversation', ...envelope })
      .catch((err: unknown) => this.options.log.error({ err, messageId }, 'publish failed; clients recover on resume'));
  }
}
