/**
 * Every WebSocket frame, both ways, in one file however long: the client frames' schemas, the
 * map the relay validates them by, the union each side switches on and the server events must
 * stay in step, and one file keeps a new frame beside its entries in each.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ChannelDelivery } from './channels.js';
import { ERROR_CODE_LIST } from './errors.js';
import { EditMessageBody, MessageInput } from './inputs.js';
import {
  Conversation,
  ConversationSettings,
  Id,
  MAX_SEQ,
  Member,
  Message,
  MessageId,
  PresenceStatus,
  ReactionKey,
  ReactionSummary,
  SendAck,
  Timestamp,
} from './models.js';
import { Pin } from './pins.js';
import type { PresenceList } from './responses.js';
import { MemberRestriction } from './safety.js';
import { ThreadReadResult } from './threads.js';

/** Correlates a request frame with its `ack` or `error`. Chosen by the client, unique per socket. */
export const RequestId = Type.String({ minLength: 1, maxLength: 64 });

// ---------------------------------------------------------------------------------------
// Client → relay

export const SendFrame = Type.Object(
  { type: Type.Literal('message.send'), id: RequestId, conversationId: Id, message: MessageInput },
  { additionalProperties: false },
);
export const EditFrame = Type.Object(
  {
    type: Type.Literal('message.edit'),
    id: RequestId,
    conversationId: Id,
    messageId: MessageId,
    ...EditMessageBody.properties,
  },
  { additionalProperties: false },
);
export const DeleteFrame = Type.Object(
  { type: Type.Literal('message.delete'), id: RequestId, conversationId: Id, messageId: MessageId },
  { additionalProperties: false },
);
/**
 * Reacts to a message with `key`, or takes that reaction back. Adding one the user already has,
 * or removing one they do not, changes nothing. A user has at most
 * `limits.reactionsPerUserPerMessage` reactions on a message: a new one past that replaces
 * their oldest.
 */
export const ReactionAddFrame = Type.Object(
  { type: Type.Literal('reaction.add'), id: RequestId, conversationId: Id, messageId: MessageId, key: ReactionKey },
  { additionalProperties: false },
);
export const ReactionRemoveFrame = Type.Object(
  { type: Type.Literal('reaction.remove'), id: RequestId, conversationId: Id, messageId: MessageId, key: ReactionKey },
  { additionalProperties: false },
);
/**
 * Pins a message of the conversation (group owners and admins; both members of a private
 * conversation), optionally `until` a time, or takes the pin off. Repeating either changes nothing.
 */
export const PinAddFrame = Type.Object(
  {
    type: Type.Literal('pin.add'),
    id: RequestId,
    conversationId: Id,
    messageId: MessageId,
    until: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
export const PinRemoveFrame = Type.Object(
  { type: Type.Literal('pin.remove'), id: RequestId, conversationId: Id, messageId: MessageId },
  { additionalProperties: false },
);
export const PingFrame = Type.Object({ type: Type.Literal('ping'), id: RequestId }, { additionalProperties: false });

/** Moves the caller's delivered or read horizon forward to `seq` (never back; `read` implies `delivered`). */
export const ReceiptFrame = Type.Object(
  {
    type: Type.Literal('receipt'),
    id: RequestId,
    conversationId: Id,
    kind: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
    seq: Type.Integer({ minimum: 0, maximum: MAX_SEQ }),
  },
  { additionalProperties: false },
);

/**
 * Moves the caller's read horizon in the thread of `threadId` forward to `seq` (never back, never
 * past the thread's last reply). Private to the member: no event goes to others.
 */
export const ThreadReadFrame = Type.Object(
  {
    type: Type.Literal('thread.read'),
    id: RequestId,
    conversationId: Id,
    threadId: MessageId,
    seq: Type.Integer({ minimum: 0, maximum: MAX_SEQ }),
  },
  { additionalProperties: false },
);

/**
 * Typing on (renew every few seconds while typing) or off, in the conversation or, with `threadId`, in the thread of that
 * root (an indicator of its own). Never stored; expires on the relay.
 */
export const TypingFrame = Type.Object(
  { type: Type.Literal('typing'), id: RequestId, conversationId: Id, active: Type.Boolean(), threadId: Type.Optional(MessageId) },
  { additionalProperties: false },
);

/**
 * Watch these users' presence on this socket: their `presence` events reach it from now on,
 * for as long as the socket lives or until unsubscribed. Acked with the current presence of
 * those who share a conversation with the caller; the others are left out and not watched.
 */
export const PresenceSubscribeFrame = Type.Object(
  { type: Type.Literal('presence.subscribe'), id: RequestId, userIds: Type.Array(Id, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

/** Stop watching these users' presence on this socket. */
export const PresenceUnsubscribeFrame = Type.Object(
  { type: Type.Literal('presence.unsubscribe'), id: RequestId, userIds: Type.Array(Id, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

/** Per conversation, `[seq, eventSeq]`: the highest message seq held with no hole below it, and the highest event seq applied. */
export const ResumeCursor = Type.Tuple([Type.Integer({ minimum: 0, maximum: MAX_SEQ }), Type.Integer({ minimum: 0, maximum: MAX_SEQ })]);
export type ResumeCursor = Static<typeof ResumeCursor>;

/**
 * Replays everything the client missed, then goes live. Conversations missing from
 * `cursors` are new to the client: it gets their snapshot and newest messages. Allowed up to
 * `limits.frameHardMaxBytes`, so a client with thousands of conversations fits in one frame.
 */
export const ResumeFrame = Type.Object(
  {
    type: Type.Literal('resume'),
    id: RequestId,
    cursors: Type.Record(Id, ResumeCursor),
    /** How many of the newest messages to send for a conversation absent from `cursors`. @default 50 */
    newConversationMessages: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
  },
  { additionalProperties: false },
);

/**
 * Renews the socket's credentials without reconnecting: a fresh access token for the same
 * user. Acked with its expiry; until then (and when refused) the socket keeps the old one.
 */
export const AuthFrame = Type.Object(
  { type: Type.Literal('auth'), id: RequestId, token: Type.String({ minLength: 1, maxLength: 8192 }) },
  { additionalProperties: false },
);

/** Every frame type a client may send, keyed by `type`, for validation one type at a time. */
export const CLIENT_FRAME_SCHEMAS = {
  'message.send': SendFrame,
  'message.edit': EditFrame,
  'message.delete': DeleteFrame,
  'reaction.add': ReactionAddFrame,
  'reaction.remove': ReactionRemoveFrame,
  'pin.add': PinAddFrame,
  'pin.remove': PinRemoveFrame,
  ping: PingFrame,
  receipt: ReceiptFrame,
  'thread.read': ThreadReadFrame,
  typing: TypingFrame,
  'presence.subscribe': PresenceSubscribeFrame,
  'presence.unsubscribe': PresenceUnsubscribeFrame,
  resume: ResumeFrame,
  auth: AuthFrame,
} as const satisfies Record<string, TSchema>;

export type ClientFrameType = keyof typeof CLIENT_FRAME_SCHEMAS;
export const ClientFrame = Type.Union([
  SendFrame,
  EditFrame,
  DeleteFrame,
  ReactionAddFrame,
  ReactionRemoveFrame,
  PinAddFrame,
  PinRemoveFrame,
  PingFrame,
  ReceiptFrame,
  ThreadReadFrame,
  TypingFrame,
  PresenceSubscribeFrame,
  PresenceUnsubscribeFrame,
  ResumeFrame,
  AuthFrame,
]);
export type ClientFrame = Static<typeof ClientFrame>;

/** What the `ack` for each request type carries in `result`. */
export interface ClientFrameResults {
  'message.send': SendAck;
  'message.edit': Message;
  'message.delete': Message;
  'reaction.add': Message;
  'reaction.remove': Message;
  'pin.add': Pin;
  'pin.remove': Record<string, never>;
  ping: { serverTime: string };
  receipt: ReceiptResult;
  'thread.read': ThreadReadResult;
  typing: Record<string, never>;
  'presence.subscribe': PresenceList;
  'presence.unsubscribe': Record<string, never>;
  resume: ResumeResult;
  auth: AuthResult;
}

export const ReceiptResult = Type.Object({
  conversationId: Id,
  userId: Id,
  deliveredSeq: Type.Integer({ minimum: 0 }),
  readSeq: Type.Integer({ minimum: 0 }),
});
export type ReceiptResult = Static<typeof ReceiptResult>;

/** Sent after the last replayed frame; every later frame is live. */
export const ResumeResult = Type.Object({
  /** Conversations that had something to replay (changed, new, or left). */
  conversations: Type.Integer({ minimum: 0 }),
  messages: Type.Integer({ minimum: 0 }),
  events: Type.Integer({ minimum: 0 }),
});
export type ResumeResult = Static<typeof ResumeResult>;

/** The renewed socket is closed with `TOKEN_EXPIRED` at `expiresAt` unless renewed again. */
export const AuthResult = Type.Object({ expiresAt: Type.Union([Timestamp, Type.Null()]) });
export type AuthResult = Static<typeof AuthResult>;

// ---------------------------------------------------------------------------------------
// Relay → client

export const WelcomeFrame = Type.Object({
  type: Type.Literal('welcome'),
  protocolVersion: Type.Integer(),
  userId: Id,
  connectionId: Type.String(),
  serverTime: Timestamp,
  /** Send a `ping` at least this often; no answer within it means the relay is gone. */
  heartbeatIntervalMs: Type.Integer(),
  /** True when the connection was opened with `?resume=1`: nothing live is sent until a `resume` completes. */
  awaitingResume: Type.Boolean(),
  /** When the socket's token expires: the relay closes it then with `TOKEN_EXPIRED` (4440) unless an `auth` frame renewed it. */
  tokenExpiresAt: Type.Union([Timestamp, Type.Null()]),
});

export const AckFrame = Type.Object({
  type: Type.Literal('ack'),
  id: RequestId,
  result: Type.Union([
    SendAck,
    Message,
    Pin,
    Type.Object({ serverTime: Timestamp }),
    ReceiptResult,
    ThreadReadResult,
    ResumeResult,
    AuthResult,
    Type.Object({}),
  ]),
});

export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  /** The request id when the failing frame had a readable one, else `null`. */
  id: Type.Union([RequestId, Type.Null()]),
  error: Type.Object({
    code: Type.Union(ERROR_CODE_LIST.map((code) => Type.Literal(code))),
    message: Type.String(),
    retryable: Type.Boolean(),
    details: Type.Optional(Type.Unknown()),
  }),
});

const EventSeq = Type.Integer({ minimum: 1 });

export const MessageCreatedEvent = Type.Object({ type: Type.Literal('message.created'), message: Message });
export const MessageUpdatedEvent = Type.Object({ type: Type.Literal('message.updated'), message: Message, eventSeq: EventSeq });
export const MessageDeletedEvent = Type.Object({ type: Type.Literal('message.deleted'), message: Message, eventSeq: EventSeq });
/**
 * A message's reactions changed: `userId` reacted or took a reaction back (on resume, the last
 * to do so), and `reactions` is the message's whole set as it now is.
 */
export const ReactionUpdatedEvent = Type.Object({
  type: Type.Literal('reaction.updated'),
  conversationId: Id,
  messageId: MessageId,
  userId: Id,
  reactions: Type.Array(ReactionSummary),
  eventSeq: EventSeq,
});
/**
 * A message was pinned, its pin changed, or it was unpinned (`pin: null`): `userId` did it (on
 * resume, the last to do so; `null` for the server API key). On resume, `pin` is the current
 * state, `null` for a pin that lapsed or whose message was deleted.
 */
export const PinUpdatedEvent = Type.Object({
  type: Type.Literal('pin.updated'),
  conversationId: Id,
  messageId: MessageId,
  userId: Type.Union([Id, Type.Null()]),
  pin: Type.Union([Pin, Type.Null()]),
  eventSeq: EventSeq,
});
export type PinUpdatedEvent = Static<typeof PinUpdatedEvent>;
export const ReceiptEvent = Type.Object({
  type: Type.Literal('receipt'),
  conversationId: Id,
  userId: Id,
  deliveredSeq: Type.Integer({ minimum: 0 }),
  readSeq: Type.Integer({ minimum: 0 }),
  eventSeq: EventSeq,
});
export const ConversationCreatedEvent = Type.Object({
  type: Type.Literal('conversation.created'),
  conversation: Conversation,
  members: Type.Array(Member),
});
export const ConversationUpdatedEvent = Type.Object({
  type: Type.Literal('conversation.updated'),
  conversation: Conversation,
  eventSeq: EventSeq,
});
export const MemberAddedEvent = Type.Object({
  type: Type.Literal('member.added'),
  conversationId: Id,
  member: Member,
  eventSeq: EventSeq,
});
export const MemberUpdatedEvent = Type.Object({
  type: Type.Literal('member.updated'),
  conversationId: Id,
  member: Member,
  eventSeq: EventSeq,
});
export const MemberRemovedEvent = Type.Object({
  type: Type.Literal('member.removed'),
  conversationId: Id,
  userId: Id,
  /** Absent when replayed to a user who left while away (the conversation is gone for them). */
  eventSeq: Type.Optional(EventSeq),
});

/** A message's status on a contact's channel changed (sent, delivered, read, failed, retried, dead-lettered). */
export const DeliveryUpdatedEvent = Type.Object({
  type: Type.Literal('delivery.updated'),
  conversationId: Id,
  delivery: ChannelDelivery,
  eventSeq: EventSeq,
});

/**
 * The user's own settings for a conversation changed (on another device, or cleared by a read).
 * Sent only to that user's sockets; other members see no frame, only `lastEventSeq` moving.
 */
export const ConversationSettingsEvent = Type.Object({
  type: Type.Literal('conversation.settings'),
  conversationId: Id,
  settings: ConversationSettings,
  eventSeq: EventSeq,
});
/** Durable changes of a conversation, pushed live and replayed on resume. */
export const ConversationEvent = Type.Union([
  MessageCreatedEvent,
  MessageUpdatedEvent,
  MessageDeletedEvent,
  ReactionUpdatedEvent,
  PinUpdatedEvent,
  ReceiptEvent,
  ConversationCreatedEvent,
  ConversationUpdatedEvent,
  MemberAddedEvent,
  MemberUpdatedEvent,
  MemberRemovedEvent,
  DeliveryUpdatedEvent,
  ConversationSettingsEvent,
]);
export type ConversationEvent = Static<typeof ConversationEvent>;

/** Ephemeral: someone started or stopped typing, in the conversation or (`threadId`) in a thread. Never stored, never replayed. */
export const TypingEvent = Type.Object({
  type: Type.Literal('typing'),
  conversationId: Id,
  userId: Id,
  active: Type.Boolean(),
  /** The thread's root, when typing in a thread; absent for the conversation itself. */
  threadId: Type.Optional(MessageId),
});

/** Ephemeral: a user who shares a conversation with you changed presence. */
export const PresenceEvent = Type.Object({
  type: Type.Literal('presence'),
  userId: Id,
  status: PresenceStatus,
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
});

/**
 * Ephemeral: an admin muted a member or lifted the mute (`restriction` null), sent live to the
 * conversation's members; never replayed: `GET /v1/conversations/:id/restrictions` has the list.
 */
export const MemberRestrictedEvent = Type.Object({
  type: Type.Literal('member.restricted'),
  conversationId: Id,
  userId: Id,
  restriction: Type.Union([MemberRestriction, Type.Null()]),
});

export const EphemeralEvent = Type.Union([TypingEvent, PresenceEvent, MemberRestrictedEvent]);
export type EphemeralEvent = Static<typeof EphemeralEvent>;
export type TypingEvent = Static<typeof TypingEvent>;
export type PresenceEvent = Static<typeof PresenceEvent>;
export type MemberRestrictedEvent = Static<typeof MemberRestrictedEvent>;

export const ServerFrame = Type.Union([WelcomeFrame, AckFrame, ErrorFrame, ...ConversationEvent.anyOf, ...EphemeralEvent.anyOf]);
export type ServerFrame = Static<typeof ServerFrame>;
export type WelcomeFrame = Static<typeof WelcomeFrame>;
export type AckFrame = Static<typeof AckFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
