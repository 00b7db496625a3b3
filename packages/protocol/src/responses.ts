import { type Static, Type } from '@sinclair/typebox';
import { Conversation, ConversationSummary, Member, Message, Timestamp, User } from './models.js';

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

export const ConversationPage = Type.Object({
  conversations: Type.Array(ConversationSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type ConversationPage = Static<typeof ConversationPage>;

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
