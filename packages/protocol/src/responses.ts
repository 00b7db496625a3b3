import { type Static, Type } from '@sinclair/typebox';
import { ChannelDelivery, ChannelHealth, ChannelPolicy, Contact } from './channels.js';
import { Conversation, ConversationSummary, Member, Message, Presence, Timestamp, User } from './models.js';

export const AuthSession = Type.Object({
  user: User,
  accessToken: Type.String(),
  accessTokenExpiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshTokenExpiresAt: Timestamp,
});
export type AuthSession = Static<typeof AuthSession>;

export const MintedToken = Type.Object({ token: Type.String(), expiresAt: Timestamp });
export type MintedToken = Static<typeof MintedToken>;

/** A page of the user directory, by display name. */
export const UserPage = Type.Object({
  users: Type.Array(User),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type UserPage = Static<typeof UserPage>;

export const ConversationPage = Type.Object({
  conversations: Type.Array(ConversationSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConversationPage = Static<typeof ConversationPage>;

/**
 * What the user has unread across all their conversations, muted and archived ones left out:
 * unread messages, and conversations with any unread message or marked unread.
 */
export const UnreadTotal = Type.Object({
  messages: Type.Integer({ minimum: 0 }),
  conversations: Type.Integer({ minimum: 0 }),
});
export type UnreadTotal = Static<typeof UnreadTotal>;

export const ConversationDetail = Type.Composite([Conversation, Type.Object({ members: Type.Array(Member) })]);
export type ConversationDetail = Static<typeof ConversationDetail>;

export const MemberList = Type.Object({ members: Type.Array(Member) });
export type MemberList = Static<typeof MemberList>;

export const MessagePage = Type.Object({
  /** Ascending by seq. */
  messages: Type.Array(Message),
  /** Whether more messages exist beyond this page in the direction asked. */
  hasMore: Type.Boolean(),
});
export type MessagePage = Static<typeof MessagePage>;

export const Health = Type.Object({ status: Type.Literal('ok') });
export const Readiness = Type.Object({ status: Type.Union([Type.Literal('ready'), Type.Literal('not-ready')]) });

/** Who has received and read one message (its sender excluded). */
export const MessageReceipts = Type.Object({
  messageId: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  /** Members other than the sender. */
  recipients: Type.Integer({ minimum: 0 }),
  deliveredTo: Type.Array(Type.String()),
  readBy: Type.Array(Type.String()),
});
export type MessageReceipts = Static<typeof MessageReceipts>;

/** The body of every HTTP error (the type is {@link ErrorBody}); the codes are in docs/errors.md. */
export const ErrorResponse = Type.Object({
  code: Type.String({ description: 'A stable code from docs/errors.md' }),
  message: Type.String(),
  retryable: Type.Boolean(),
  details: Type.Optional(Type.Unknown({ description: 'Field-level detail for BAD_REQUEST, retryAfterMs for RATE_LIMITED, and so on' })),
});

export const PresenceList = Type.Object({ presence: Type.Array(Presence) });
export type PresenceList = Static<typeof PresenceList>;

/** A member's short-lived link to a file, from `POST /v1/uploads/{id}/link`. */
export const UploadLink = Type.Object({ url: Type.String(), expiresAt: Timestamp });
export type UploadLink = Static<typeof UploadLink>;

export const ContactPage = Type.Object({
  contacts: Type.Array(Contact),
  /** The `after` of the next page; `null` on the last. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ContactPage = Static<typeof ContactPage>;

/** Every channel account of the relay with its health. */
export const ChannelHealthList = Type.Object({ channels: Type.Array(ChannelHealth) });
export type ChannelHealthList = Static<typeof ChannelHealthList>;

/** What members can send to each contact of a conversation now. */
export const ChannelPolicyList = Type.Object({ channels: Type.Array(ChannelPolicy) });
export type ChannelPolicyList = Static<typeof ChannelPolicyList>;

/** A message's deliveries to the contacts of its conversation, one per contact. */
export const DeliveryList = Type.Object({ deliveries: Type.Array(ChannelDelivery) });
export type DeliveryList = Static<typeof DeliveryList>;

export const DeadLetterPage = Type.Object({
  deliveries: Type.Array(ChannelDelivery),
  /** Dead letters in the queue, on every channel. */
  total: Type.Integer({ minimum: 0 }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type DeadLetterPage = Static<typeof DeadLetterPage>;

/** What the relay did with one platform webhook call. */
export const InboundOutcome = Type.Object({
  ok: Type.Literal(true),
  /** Message events in the call (one the platform delivers again is counted and stores nothing). */
  messages: Type.Integer({ minimum: 0 }),
  /** Delivery status changes applied. */
  statuses: Type.Integer({ minimum: 0 }),
});
export type InboundOutcome = Static<typeof InboundOutcome>;

/** An app webhook endpoint as the server API shows it, with its signing secret. */
export const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  /** Event types it gets (`message.created`…), or `*` for all. */
  events: Type.Array(Type.String()),
  /** Standard Webhooks secret (`whsec_…`). */
  secret: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  /** Calls failed in a row (each after all its retries); a success resets it. */
  failures: Type.Integer({ minimum: 0 }),
  /** Why the relay turned it off, if it did. */
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Webhook = Static<typeof Webhook>;

export const WebhookList = Type.Object({ webhooks: Type.Array(Webhook) });
export type WebhookList = Static<typeof WebhookList>;

/** Where a searched word was found in a message's `text`: UTF-16 offsets, `end` exclusive (as `String#slice` takes them). */
export const SearchHighlight = Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) });
export type SearchHighlight = Static<typeof SearchHighlight>;

export const SearchResult = Type.Object({ message: Message, highlights: Type.Array(SearchHighlight) });
export type SearchResult = Static<typeof SearchResult>;

/** A page of `GET /v1/search/messages`, newest first. */
export const SearchPage = Type.Object({
  results: Type.Array(SearchResult),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type SearchPage = Static<typeof SearchPage>;
