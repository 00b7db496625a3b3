import { type Static, Type } from '@sinclair/typebox';

/**
 * A message the app's content rules or before-send hook refused, kept for audit: listed to the
 * server API key only, never shown to members.
 */
export const RejectedMessage = Type.Object({
  /** The message as it arrived (id, conversationId, senderId, kind, text, content, attachment, metadata…), never stored as a message. */
  message: Type.Object(
    {
      id: Type.String(),
      conversationId: Type.String(),
      senderId: Type.Union([Type.String(), Type.Null()]),
      text: Type.String(),
    },
    { additionalProperties: true },
  ),
  /** `app` (a send through the API) or `channel` (a contact's message from a platform). */
  origin: Type.Union([Type.Literal('app'), Type.Literal('channel')]),
  /** Who refused it: `rules`, `hook`, or `fallback` (the hook gave no answer and `moderation.beforeSend.fallback` is `reject`). */
  source: Type.Union([Type.Literal('rules'), Type.Literal('hook'), Type.Literal('fallback')]),
  /** The reason the sender was told. */
  reason: Type.String(),
  rejectedAt: Type.String({ format: 'date-time' }),
});
export type RejectedMessage = Static<typeof RejectedMessage>;

/** A page of a conversation's rejected messages, newest first. */
export const RejectedMessagePage = Type.Object({
  rejected: Type.Array(RejectedMessage),
  /** Whether older ones remain: ask again with `before` and `beforeId` set to the last one's `rejectedAt` and `message.id`. */
  hasMore: Type.Boolean(),
});
export type RejectedMessagePage = Static<typeof RejectedMessagePage>;

export const RejectedMessageQuery = Type.Object(
  {
    /** Only those rejected before this time (an ISO 8601 date-time: the last `rejectedAt` of the page before). */
    before: Type.Optional(Type.String({ format: 'date-time' })),
    /** With `before`: the last `message.id` of the page before, so rejections made in the same millisecond are not skipped. */
    beforeId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** @default 50 */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);
export type RejectedMessageQuery = Static<typeof RejectedMessageQuery>;
