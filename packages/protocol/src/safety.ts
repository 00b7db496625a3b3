import { type Static, Type } from '@sinclair/typebox';
import { Id, Message, MessageId, Timestamp } from './models.js';

/**
 * Someone the caller blocked: an app user or an external contact (a contact is a user row,
 * so its id is the contact id). Blocks are the blocker's own: nobody else, the blocked one
 * included, can list them.
 */
export const Block = Type.Object({
  userId: Id,
  createdAt: Timestamp,
});
export type Block = Static<typeof Block>;

export const BlockList = Type.Object({ blocks: Type.Array(Block) });
export type BlockList = Static<typeof BlockList>;

/** `PUT /v1/conversations/:conversationId/mutes/:userId`: the member cannot send until `until` (absent or null: until unmuted). */
export const MuteMemberBody = Type.Object(
  {
    until: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
export type MuteMemberBody = Static<typeof MuteMemberBody>;

/** A mute or a ban of one user in one conversation. */
export const MemberRestriction = Type.Object({
  conversationId: Id,
  userId: Id,
  kind: Type.Union([Type.Literal('mute'), Type.Literal('ban')]),
  /** When a mute ends; null for a ban, or a mute until lifted. */
  until: Type.Union([Timestamp, Type.Null()]),
  /** The admin who imposed it; null for the server API key. */
  createdBy: Type.Union([Id, Type.Null()]),
  createdAt: Timestamp,
});
export type MemberRestriction = Static<typeof MemberRestriction>;

export const MemberRestrictionList = Type.Object({ restrictions: Type.Array(MemberRestriction) });
export type MemberRestrictionList = Static<typeof MemberRestrictionList>;

/** Why a message is reported: a fixed set, so a safety queue can be sorted and counted. */
export const ReportReason = Type.Union([
  Type.Literal('spam'),
  Type.Literal('harassment'),
  Type.Literal('hate'),
  Type.Literal('violence'),
  Type.Literal('sexual'),
  Type.Literal('self_harm'),
  Type.Literal('illegal'),
  Type.Literal('other'),
]);
export type ReportReason = Static<typeof ReportReason>;

/** `POST /v1/conversations/:conversationId/messages/:messageId/reports`. */
export const ReportMessageBody = Type.Object(
  {
    reason: ReportReason,
    /** The reporter's own words, for the moderators. */
    text: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type ReportMessageBody = Static<typeof ReportMessageBody>;

export const ReportStatus = Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('dismissed')]);
export type ReportStatus = Static<typeof ReportStatus>;

/** A member's report of a message, as the app's moderators see it. */
export const Report = Type.Object({
  id: Id,
  conversationId: Id,
  messageId: MessageId,
  reporterId: Id,
  reason: ReportReason,
  text: Type.Union([Type.String(), Type.Null()]),
  status: ReportStatus,
  createdAt: Timestamp,
  /** When a moderator resolved or dismissed it; null while open. */
  closedAt: Type.Union([Timestamp, Type.Null()]),
  /** The moderator's note when closing it. */
  note: Type.Union([Type.String(), Type.Null()]),
  /** The message as it is now (null if it no longer exists). */
  message: Type.Union([Message, Type.Null()]),
});
export type Report = Static<typeof Report>;

/** `GET /v1/reports` (server API key): the safety queue, oldest first. */
export const ListReportsQuery = Type.Object(
  {
    status: Type.Optional(ReportStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** The previous page's `nextCursor`. */
    cursor: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type ListReportsQuery = Static<typeof ListReportsQuery>;

export const ReportPage = Type.Object({ reports: Type.Array(Report), nextCursor: Type.Union([Id, Type.Null()]) });
export type ReportPage = Static<typeof ReportPage>;

/** `PATCH /v1/reports/:reportId` (server API key): closes a report. */
export const CloseReportBody = Type.Object(
  {
    status: Type.Union([Type.Literal('resolved'), Type.Literal('dismissed')]),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type CloseReportBody = Static<typeof CloseReportBody>;
