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
   * empty when it went as one. `externalId` is the first part's.
   */
  parts: Type.Array(Type.String()),
  /**
   * Each part's own status, in the order of `parts`, when there are several (empty otherwise).
   * The delivery's `status` is then the least advanced part's (`failed` if one failed).
   */
  partStatuses: Type.Array(Type.Union([Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('read'), Type.Literal('failed')])),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ChannelDelivery = Static<typeof ChannelDelivery>;

const Limit = Type.Object({
  limit: Type.Integer({ minimum: 1 }),
  /** How the platform counts: characters (code points), UTF-16 units, or UTF-8 bytes. */
  unit: Type.Union([Type.Literal('characters'), Type.Literal('utf16'), Type.Literal('bytes')]),
});

/** What a channel takes and does, as the relay sends to it: limits, and which features pass through. */
export const ChannelCapabilities = Type.Object({
  /** One message's text; longer texts go as several messages, cut at spaces. */
  text: Limit,
  /** A file's caption; `null` where files carry none (the text follows as a message). */
  caption: Type.Union([Limit, Type.Null()]),
  /** Largest file by kind, in bytes (the larger of by-link and uploaded where they differ). */
  fileMaxBytes: Type.Object({
    image: Type.Integer({ minimum: 0 }),
    video: Type.Integer({ minimum: 0 }),
    audio: Type.Integer({ minimum: 0 }),
    document: Type.Integer({ minimum: 0 }),
  }),
  /** Whether the platform reports delivered and read back to the relay. */
  readReceipts: Type.Boolean(),
  /** Whether message templates can be sent (to write outside the window). */
  templates: Type.Boolean(),
  /** The service window after the contact's last message, in hours, and a person's extra days (`HUMAN_AGENT`); `null` where there is none. */
  window: Type.Union([Type.Object({ hours: Type.Integer(), humanAgentDays: Type.Union([Type.Integer(), Type.Null()]) }), Type.Null()]),
  /** Features the relay passes to the platform today (`typing` where the account sets `passTyping`). */
  reactions: Type.Boolean(),
  /** The only reactions the platform takes from the business, where it limits them; `null` for any emoji. */
  reactionKeys: Type.Union([Type.Array(Type.String()), Type.Null()]),
  edits: Type.Boolean(),
  deletes: Type.Boolean(),
  typing: Type.Boolean(),
});
export type ChannelCapabilities = Static<typeof ChannelCapabilities>;

const MB = 1024 * 1024;
const NONE = { reactions: false, reactionKeys: null, edits: false, deletes: false, typing: false } as const;

/**
 * The emoji a Telegram bot may react with (Bot API, `ReactionTypeEmoji`), exactly as
 * documented: without the U+FE0F variation selector.
 */
// biome-ignore format: the documented list, as it reads there
export const TELEGRAM_REACTIONS: readonly string[] = [
  '👍', '👎', '❤', '🔥', '🥰', '👏', '😁', '🤔', '🤯', '😱', '🤬', '😢', '🎉', '🤩', '🤮', '💩', '🙏', '👌', '🕊',
  '🤡', '🥱', '🥴', '😍', '🐳', '❤‍🔥', '🌚', '🌭', '💯', '🤣', '⚡', '🍌', '🏆', '💔', '🤨', '😐', '🍓', '🍾',
  '💋', '🖕', '😈', '😴', '😭', '🤓', '👻', '👨‍💻', '👀', '🎃', '🙈', '😇', '😨', '🤝', '✍', '🤗', '🫡', '🎅', '🎄',
  '☃', '💅', '🤪', '🗿', '🆒', '💘', '🙉', '🦄', '😘', '💊', '🙊', '😎', '👾', '🤷‍♂', '🤷', '🤷‍♀', '😡',
];
/** The generic webhook channel and loopback: the relay's own limits, no window. */
const GENERIC: ChannelCapabilities = {
  text: { limit: 65_536, unit: 'characters' },
  caption: { limit: 65_536, unit: 'characters' },
  fileMaxBytes: { image: 2048 * MB, video: 2048 * MB, audio: 2048 * MB, document: 2048 * MB },
  readReceipts: true,
  templates: false,
  window: null,
  ...NONE,
};

/**
 * Each platform's capabilities, from its documentation: the Cloud API messages reference and
 * supported media types (WhatsApp), the Bot API (Telegram: "Sending files", sendMessage), the
 * Send API and the Instagram messaging API (Messenger, Instagram).
 */
export const CHANNEL_CAPABILITIES: Record<ChannelType, ChannelCapabilities> = {
  whatsapp: {
    text: { limit: 4096, unit: 'characters' },
    caption: { limit: 1024, unit: 'characters' },
    fileMaxBytes: { image: 5 * MB, video: 16 * MB, audio: 16 * MB, document: 100 * MB },
    readReceipts: true,
    templates: true,
    window: { hours: 24, humanAgentDays: null },
    ...NONE,
    reactions: true,
    typing: true,
  },
  telegram: {
    text: { limit: 4096, unit: 'utf16' },
    caption: { limit: 1024, unit: 'utf16' },
    fileMaxBytes: { image: 10 * MB, video: 50 * MB, audio: 50 * MB, document: 50 * MB },
    readReceipts: false,
    templates: false,
    window: null,
    ...NONE,
    reactions: true,
    reactionKeys: [...TELEGRAM_REACTIONS],
    edits: true,
    deletes: true,
    typing: true,
  },
  messenger: {
    text: { limit: 2000, unit: 'characters' },
    caption: null,
    fileMaxBytes: { image: 25 * MB, video: 25 * MB, audio: 25 * MB, document: 25 * MB },
    readReceipts: true,
    templates: false,
    window: { hours: 24, humanAgentDays: 7 },
    ...NONE,
    reactions: true,
    typing: true,
  },
  instagram: {
    text: { limit: 1000, unit: 'bytes' },
    caption: null,
    fileMaxBytes: { image: 8 * MB, video: 25 * MB, audio: 25 * MB, document: 25 * MB },
    readReceipts: true,
    templates: false,
    window: { hours: 24, humanAgentDays: 7 },
    ...NONE,
    reactions: true,
    typing: true,
  },
  webhook: GENERIC,
  loopback: GENERIC,
};

/**
 * Whether a contact can be written to on its channel now: `always` (no window), `open` (inside
 * the service window), `human-agent` (only a person's reply, tagged, until `humanAgentUntil`),
 * `template-only` (WhatsApp outside the window), `closed` (nothing until the contact writes).
 */
export const ChannelWindowState = Type.Union([
  Type.Literal('always'),
  Type.Literal('open'),
  Type.Literal('human-agent'),
  Type.Literal('template-only'),
  Type.Literal('closed'),
]);
export type ChannelWindowState = Static<typeof ChannelWindowState>;

/** Where a conversation's contact is reached, and what can be sent to it now. */
export const ChannelPolicy = Type.Object({
  contactId: Id,
  /** The channel account messages to the contact go out on; null when it has none configured. */
  channelId: Type.Union([Id, Type.Null()]),
  channel: Type.Union([ChannelType, Type.Null()]),
  capabilities: Type.Union([ChannelCapabilities, Type.Null()]),
  lastInboundAt: Type.Union([Timestamp, Type.Null()]),
  state: ChannelWindowState,
  /** The end of the service window; null where there is none or it never opened. */
  windowOpenUntil: Type.Union([Timestamp, Type.Null()]),
  /** The end of the human-agent window (Messenger, Instagram). */
  humanAgentUntil: Type.Union([Timestamp, Type.Null()]),
  templateRequired: Type.Boolean(),
});
export type ChannelPolicy = Static<typeof ChannelPolicy>;

const HOUR_MS = 3_600_000;

/** The policy of one channel for a contact that last wrote at `lastInboundAt` (epoch ms or null), at `now`. */
export function channelWindow(
  type: ChannelType,
  lastInboundAt: number | null,
  now: number,
): Pick<ChannelPolicy, 'state' | 'windowOpenUntil' | 'humanAgentUntil' | 'templateRequired'> {
  const window = CHANNEL_CAPABILITIES[type].window;
  if (!window) return { state: 'always', windowOpenUntil: null, humanAgentUntil: null, templateRequired: false };
  const openUntil = lastInboundAt === null ? null : lastInboundAt + window.hours * HOUR_MS;
  const humanUntil =
    openUntil !== null && window.humanAgentDays !== null ? (lastInboundAt as number) + window.humanAgentDays * 24 * HOUR_MS : null;
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  const templates = CHANNEL_CAPABILITIES[type].templates;
  const state =
    openUntil !== null && now <= openUntil
      ? 'open'
      : humanUntil !== null && now <= humanUntil
        ? 'human-agent'
        : templates
          ? 'template-only'
          : 'closed';
  return { state, windowOpenUntil: iso(openUntil), humanAgentUntil: iso(humanUntil), templateRequired: state === 'template-only' };
}
