import { type Static, Type } from '@sinclair/typebox';
import { Id, Message, MessageId, Timestamp } from './models.js';

/**
 * A pinned message of a conversation. In a group its owner and admins pin and unpin; in a
 * private conversation both members do. A pin with `expiresAt` stops being listed then.
 */
export const Pin = Type.Object({
  conversationId: Id,
  messageId: MessageId,
  /** Who pinned it last; `null` when the server API key did. */
  pinnedBy: Type.Union([Id, Type.Null()]),
  pinnedAt: Timestamp,
  /** When the pin lapses; `null` for a pin that stays until unpinned. */
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  /** The pinned message as it was when the pin last changed (edits and deletes arrive as their own events). */
  message: Message,
});
export type Pin = Static<typeof Pin>;

/** `PUT …/pins/:messageId`: pin, optionally until a time in the future. Pinning again sets the expiry anew. */
export const PinBody = Type.Object({ until: Type.Optional(Type.Union([Timestamp, Type.Null()])) }, { additionalProperties: false });
export type PinBody = Static<typeof PinBody>;

/** A conversation's current pins, newest first (never more than `limits.pinsPerConversation`). */
export const PinList = Type.Object({ pins: Type.Array(Pin) });
export type PinList = Static<typeof PinList>;
