import { type Static, Type } from '@sinclair/typebox';
import { Id, MessageId, Metadata, Timestamp } from './models.js';

/** The platforms a channel account can be on. */
export const ChannelType = Type.Union([
  Type.Literal('whatsapp'),
  Type.Literal('instagram'),
  Type.Literal('messenger'),
  Type.Literal('telegram'),
  Type.Literal('webhook'),
  Type.Literal('loopback'),
]);
export type ChannelType = Static<typeof ChannelType>;

/** Who a contact is on one channel account: a WhatsApp number, a Telegram chat id, a page- or Instagram-scoped id. */
export const ChannelIdentity = Type.Object({
  /** The channel account, as configured in the relay (`channels[].id`). */
  channelId: Id,
  channel: ChannelType,
  /** The contact's id on the platform; messages to them go there. */
  externalId: Type.String({ minLength: 1, maxLength: 256 }),
  /** The name the platform gave, if any. */
  displayName: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  /** When the contact last wrote on this channel (the start of messaging windows). */
  lastInboundAt: Type.Union([Timestamp, Type.Null()]),
});
export type ChannelIdentity = Static<typeof ChannelIdentity>;

/**
 * An external person reached through channels. A contact is a member of conversations like a
 * user (its id is a user id, so messages show `senderId` = the contact's id); what it writes
 * arrives through webhooks, and what others write to its conversations is dispatched to it.
 */
export const Contact = Type.Object({
  id: Id,
  displayName: Type.Union([Type.String(), Type.Null()]),
  metadata: Metadata,
  /** The conversation its inbound messages go to. */
  conversationId: Type.Union([Id, Type.Null()]),
  /** The channel messages to it go out on; when null, the one it last wrote on. */
  preferredChannelId: Type.Union([Id, Type.Null()]),
  identities: Type.Array(ChannelIdentity),
  createdAt: Timestamp,
});
export type Contact = Static<typeof Contact>;

/** Where a message to a contact stands on its channel. Moves forward only: pending → sent → delivered → read, or failed. */
export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('sent'),
  Type.Literal('delivered'),
  Type.Literal('read'),
  Type.Literal('failed'),
]);
export type DeliveryStatus = Static<typeof DeliveryStatus>;

/** Why a delivery failed: our code, and the platform's own code and text. */
export const DeliveryError = Type.Object({
  code: Type.String(),
  platformCode: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
});
export type DeliveryError = Static<typeof DeliveryError>;

/**
 * A channel account's health: `held` while the platform refuses its credentials (its
 * deliveries wait, in order, until it is resumed), else `active`.
 */
export const ChannelHealth = Type.Object({
  id: Id,
  type: ChannelType,
  status: Type.Union([Type.Literal('active'), Type.Literal('held')]),
  /** Why it is held: our code, the platform's code and text, and since when. */
  hold: Type.Union([
    Type.Object({
      code: Type.String(),
      platformCode: Type.Union([Type.String(), Type.Null()]),
      message: Type.String(),
      since: Timestamp,
    }),
    Type.Null(),
  ]),
});
export type ChannelHealth = Static<typeof ChannelHealth>;

/** The status of one message to one contact on its channel, with its history. */
export const ChannelDelivery = Type.Object({
  id: Type.String(),
  messageId: MessageId,
  conversationId: Id,
  contactId: Id,
  /** The channel account it went (or goes) out on; null until the first attempt picks one. */
  channelId: Type.Union([Id, Type.Null()]),
  channel: Type.Union([ChannelType, Type.Null()]),
  status: DeliveryStatus,
  /** The platform's id of the sent message. */
  externalId: Type.Union([Type.String(), Type.Null()]),
  /** The last failure (also kept while retrying). */
  error: Type.Union([DeliveryError, Type.Null()]),
  attempts: Type.Integer({ minimum: 0 }),
  /** Retries ran out: it waits in the dead-letter queue for a replay or a discard. */
  deadLettered: Type.Boolean(),
  /** The next retry, when one is scheduled. */
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  history: Type.Array(
    Type.Object({
      status: Type.Union([
        DeliveryStatus,
        Type.Literal('retrying'),
        Type.Literal('held'),
        Type.Literal('dead-lettered'),
        Type.Literal('replayed'),
      ]),
      at: Timestamp,
      code: Type.Optional(Type.String()),
    }),
  ),
  /**
   * The platform's ids of the parts, in order, when the message went out as several (a text
   * over the channel's limit cut into parts, a caption's overflow, a file and its text);
   * empty when it went as one. `externalId` is the first part's; statuses are that part's.
   */
  parts: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ChannelDelivery = Static<typeof ChannelDelivery>;
