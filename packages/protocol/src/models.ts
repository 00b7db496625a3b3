import { type Static, Type } from '@sinclair/typebox';

/** Opaque identifier chosen by the app (users) or the relay (conversations). */
export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:@-]+$' });

const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
/** Whether a string is an {@link Id}, for ids that arrive encoded inside something else (a cursor, upload metadata). */
export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Client-generated message id: a UUID (UUIDv7 recommended, so ids sort by creation time). */
export const MessageId = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});

/** Largest seq or event seq: stores keep them as 32-bit integers, so a cursor above it names nothing. */
export const MAX_SEQ = 2_147_483_647;

/** ISO 8601 timestamp with milliseconds, in UTC. */
export const Timestamp = Type.String({ format: 'date-time' });

/** Free-form JSON object owned by the app. Its serialized size is limited by the relay. */
export const Metadata = Type.Record(Type.String(), Type.Unknown());
export type Metadata = Static<typeof Metadata>;

export const User = Type.Object({
  id: Id,
  displayName: Type.Union([Type.String(), Type.Null()]),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  metadata: Metadata,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = Static<typeof User>;

/** A user as the server API key sees it: with the metadata other users never get. */
export const ServerUser = Type.Composite([User, Type.Object({ privateMetadata: Metadata })]);
export type ServerUser = Static<typeof ServerUser>;

export const MemberRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type MemberRole = Static<typeof MemberRole>;

export const Member = Type.Object({
  userId: Id,
  role: MemberRole,
  joinedAt: Timestamp,
  /** Highest seq this member's devices have received (delivered horizon). Only moves forward. */
  deliveredSeq: Type.Integer({ minimum: 0 }),
  /** Highest seq this member has read (read horizon; reading implies delivery). Only moves forward. */
  readSeq: Type.Integer({ minimum: 0 }),
});
export type Member = Static<typeof Member>;

/**
 * Who may mention every member of a conversation at once (`mentionsAll`): any member, only
 * owners and admins (the default), or no one.
 */
export const GroupMentions = Type.Union([Type.Literal('members'), Type.Literal('admins'), Type.Literal('off')]);
export type GroupMentions = Static<typeof GroupMentions>;

/**
 * Where a conversation stands in an agent inbox: `open` (someone should answer), `pending`
 * (waiting: on the contact, a bot or a colleague) or `resolved` (done; a contact writing in
 * opens it again). Every conversation starts `open`; an app without an inbox can ignore it.
 */
export const ConversationStatus = Type.Union([Type.Literal('open'), Type.Literal('pending'), Type.Literal('resolved')]);
export type ConversationStatus = Static<typeof ConversationStatus>;

export const ConversationType = Type.Union([Type.Literal('private'), Type.Literal('group')]);
export type ConversationType = Static<typeof ConversationType>;

/**
 * What a message is. `location`, `contacts` and `unsupported` come from external channels
 * (a pin, shared contact cards, a platform message type with no equivalent here) and carry
 * their `content`.
 */
export const MessageKind = Type.Union([
  Type.Literal('text'),
  Type.Literal('system'),
  Type.Literal('file'),
  Type.Literal('location'),
  Type.Literal('contacts'),
  Type.Literal('unsupported'),
]);
export type MessageKind = Static<typeof MessageKind>;

const OptionalText = Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]);

/** A shared contact card (WhatsApp `contacts`, Telegram `contact`). */
export const ContactCard = Type.Object({
  name: Type.String({ maxLength: 512 }),
  phones: Type.Array(Type.Object({ phone: Type.String({ maxLength: 64 }), type: OptionalText }), { maxItems: 20 }),
  emails: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 20 }),
  organization: OptionalText,
});
export type ContactCard = Static<typeof ContactCard>;

/**
 * The structured part of a message from an external channel, beyond its text and file:
 * where a pin is, the contact cards shared, the button or list choice (or postback) made
 * with its payload, that a file is a sticker, a voice note or a round video, that it
 * answers an Instagram story, or the platform's type of a message this model has no kind for.
 */
/** A place: a pin, or a venue with its name and address. */
export const LocationContent = Type.Object({
  type: Type.Literal('location'),
  latitude: Type.Number({ minimum: -90, maximum: 90 }),
  longitude: Type.Number({ minimum: -180, maximum: 180 }),
  name: OptionalText,
  address: OptionalText,
  url: OptionalText,
});
/** Contact cards shared in a message. */
export const ContactsContent = Type.Object({
  type: Type.Literal('contacts'),
  contacts: Type.Array(ContactCard, { minItems: 1, maxItems: 50 }),
});

export type LocationContent = Static<typeof LocationContent>;
export type ContactsContent = Static<typeof ContactsContent>;

export const MessageContent = Type.Union([
  LocationContent,
  ContactsContent,
  Type.Object({
    type: Type.Literal('choice'),
    /** The button's, list row's or postback's payload, as the app set it. */
    payload: Type.String({ maxLength: 4096 }),
    title: Type.String({ maxLength: 4096 }),
    description: OptionalText,
  }),
  Type.Object({ type: Type.Literal('sticker'), animated: Type.Boolean(), emoji: OptionalText }),
  Type.Object({ type: Type.Literal('voice') }),
  Type.Object({ type: Type.Literal('video_note') }),
  Type.Object({ type: Type.Literal('story_reply'), url: OptionalText }),
  Type.Object({ type: Type.Literal('unsupported'), platformType: Type.String({ minLength: 1, maxLength: 128 }) }),
]);
export type MessageContent = Static<typeof MessageContent>;

/**
 * The size of the WebP thumbnail the relay made of an image upload (JPEG, PNG, WebP, GIF,
 * AVIF), served at `GET /v1/uploads/{uploadId}/thumbnail` to whoever may download the file.
 */
export const Thumbnail = Type.Object({
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
});
export type Thumbnail = Static<typeof Thumbnail>;

/**
 * A finished upload attached to a file message. The relay fills every field from the upload
 * itself; the bytes are at `GET /v1/uploads/{uploadId}` for the conversation's members.
 */
export const Attachment = Type.Object({
  uploadId: Id,
  name: Type.String({ minLength: 1, maxLength: 255 }),
  /** MIME type as the uploader declared it. */
  type: Type.String({ maxLength: 255 }),
  size: Type.Integer({ minimum: 0 }),
  /** SHA-256 of the stored bytes, lowercase hex, computed by the relay. */
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** Pixel size of an image or video: as the uploader gave it, or as the relay read it from an image. */
  width: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  height: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** The image's thumbnail, when the relay made one. */
  thumbnail: Type.Union([Thumbnail, Type.Null()]),
});
export type Attachment = Static<typeof Attachment>;

/** An upload as the relay reports it: who may use it, how far it got, and its checksum once complete. */
export const UploadInfo = Type.Object({
  id: Id,
  conversationId: Id,
  name: Type.String(),
  type: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  complete: Type.Boolean(),
  sha256: Type.Union([Type.String(), Type.Null()]),
  width: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  height: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** The image's thumbnail, made when the upload completed; null for other files, or when none could be made. */
  thumbnail: Type.Union([Thumbnail, Type.Null()]),
  /** The message it is attached to, once sent. */
  messageId: Type.Union([MessageId, Type.Null()]),
  createdAt: Timestamp,
  /** An upload not attached to a message by then is deleted. `null` once attached. */
  expiresAt: Type.Union([Timestamp, Type.Null()]),
});
export type UploadInfo = Static<typeof UploadInfo>;

/**
 * What a reaction is: an emoji (`👍`, `❤️`) or a short name the app chooses (`+1`), without
 * spaces. Channels take emoji only, each from its own set (docs/connectors.md).
 */
export const ReactionKey = Type.String({ minLength: 1, maxLength: 64, pattern: '^\\S+$' });

const REACTION_KEY_PATTERN = /^\S{1,64}$/u;
/** Whether a string is a {@link ReactionKey} (64 UTF-16 units at most, no spaces). */
export function isReactionKey(value: string): boolean {
  return value.length <= 64 && REACTION_KEY_PATTERN.test(value);
}

/** One reaction of a message: who reacted with it, earliest first, and how many they are. */
export const ReactionSummary = Type.Object({
  key: ReactionKey,
  count: Type.Integer({ minimum: 1 }),
  userIds: Type.Array(Id),
});
export type ReactionSummary = Static<typeof ReactionSummary>;

/**
 * What the relay found at a link in a message's text (OpenGraph, oEmbed, or the page's own
 * title and description), when `previews.enabled` is on. Every field comes from a page anyone
 * can write: render it as text, and load `imageUrl` (always https) without a referrer.
 */
export const LinkPreview = Type.Object({
  /** The link as it appears in the text (normalized as a URL): what the card opens. */
  url: Type.String({ maxLength: 2048 }),
  /** The page's title, whitespace collapsed, at most 200 characters. */
  title: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  /** Its description, at most 500 characters. */
  description: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
  /** The site's name (`og:site_name`, or the oEmbed provider), at most 100 characters. */
  siteName: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
  /** An https image the page names (`og:image`, or the oEmbed thumbnail), hosted by the page's site, not the relay. */
  imageUrl: Type.Union([Type.String({ maxLength: 2048, pattern: '^https://' }), Type.Null()]),
});
export type LinkPreview = Static<typeof LinkPreview>;

/**
 * What a thread's root message says of its replies. A deleted reply stays in the thread as a
 * tombstone and still counts. Kept with each reply's append, in the same transaction.
 */
export const ThreadSummary = Type.Object({
  /** Replies in the thread, deleted ones included. */
  replyCount: Type.Integer({ minimum: 1 }),
  lastReplyId: MessageId,
  /** The last reply's seq: a client applies a reply to a summary it holds only when the reply's seq is above this. */
  lastReplySeq: Type.Integer({ minimum: 1 }),
  lastReplyAt: Timestamp,
  /** Who replied (senders with an id), first to reply first, at most `MAX_THREAD_PARTICIPANTS` (10). */
  participants: Type.Array(Id),
});
export type ThreadSummary = Static<typeof ThreadSummary>;

export const Message = Type.Object({
  /** The client id given at send time; unique forever. */
  id: MessageId,
  conversationId: Id,
  /** Position in the conversation: 1, 2, 3… with no gaps. */
  seq: Type.Integer({ minimum: 1 }),
  kind: MessageKind,
  /** Author; `null` for system messages posted by the server API without a sender. */
  senderId: Type.Union([Id, Type.Null()]),
  /** Empty once deleted. */
  text: Type.String(),
  metadata: Metadata,
  /** The file of a `file` message; `null` otherwise, and once deleted. */
  attachment: Type.Union([Attachment, Type.Null()]),
  /** The structured content of a message from an external channel; `null` otherwise, and once deleted. */
  content: Type.Union([MessageContent, Type.Null()]),
  replyTo: Type.Union([MessageId, Type.Null()]),
  /** Its reactions, in the order each was first used; empty once deleted. */
  reactions: Type.Array(ReactionSummary),
  /**
   * The members it mentions, by user id, in the order the author gave them (each once). The
   * text shows each as the author wrote it (`@Display Name`); empty once deleted.
   */
  mentions: Type.Array(Id),
  /** Whether it mentions every member (`@all`), as the conversation's `groupMentions` allows; false once deleted. */
  mentionsAll: Type.Boolean(),
  /**
   * Previews of the links in its text, in the order they appear; added a moment after the send
   * (or an edit) by a `message.updated` event. Empty when previews are off, when no page
   * answered with one, and once deleted.
   */
  previews: Type.Array(LinkPreview),
  /** The root message of the thread it is a reply in; `null` for a message that is not in a thread. */
  threadId: Type.Union([MessageId, Type.Null()]),
  /** A thread reply that also shows in the conversation ("also send to the conversation"); false for every other message. */
  showInConversation: Type.Boolean(),
  /** On a thread's root: the thread's summary; `null` for a message no one has replied to in a thread. */
  thread: Type.Union([ThreadSummary, Type.Null()]),
  createdAt: Timestamp,
  editedAt: Type.Union([Timestamp, Type.Null()]),
  deletedAt: Type.Union([Timestamp, Type.Null()]),
});
export type Message = Static<typeof Message>;

export const Conversation = Type.Object({
  id: Id,
  type: ConversationType,
  title: Type.Union([Type.String(), Type.Null()]),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  metadata: Metadata,
  createdAt: Timestamp,
  /** Time of the last message, or of creation when there is none; lists sort on it. */
  lastActivityAt: Timestamp,
  /** Highest message seq in the conversation (0 when empty). */
  lastSeq: Type.Integer({ minimum: 0 }),
  /**
   * Highest event seq: a second per-conversation counter that every change other than a
   * new message advances (edit, delete, reaction, receipt, membership, conversation update). With
   * `lastSeq` it is the conversation's resume cursor.
   */
  lastEventSeq: Type.Integer({ minimum: 0 }),
  /** Who may mention everyone (`mentionsAll`); `admins` unless changed. */
  groupMentions: GroupMentions,
  /** Where it stands in an agent inbox; `open` unless changed. */
  status: ConversationStatus,
  /** The member it is assigned to (an agent); `null` when unassigned. */
  assigneeId: Type.Union([Id, Type.Null()]),
  /** The team it is assigned to: any id the app gives its teams; `null` when none. */
  teamId: Type.Union([Id, Type.Null()]),
});
export type Conversation = Static<typeof Conversation>;

/** `mutedUntil` for a conversation muted with no end (what `mute` without a time sets). */
export const MUTED_FOREVER = '9999-12-31T23:59:59.999Z';

/**
 * One user's own settings for one conversation: their inbox, which no other member sees.
 * Reset when they leave the conversation.
 */
export const ConversationSettings = Type.Object({
  /** Muted until then (`MUTED_FOREVER`: no end); `null` when not muted, and once the time has passed. */
  mutedUntil: Type.Union([Timestamp, Type.Null()]),
  /** Kept out of the main list; a new message does not bring it back (unarchive does). */
  archived: Type.Boolean(),
  /** When the user pinned it to the top of their list; `null` when not pinned. */
  pinnedAt: Type.Union([Timestamp, Type.Null()]),
  /** Shown as unread whatever its unread count, until the user reads it (any read receipt of theirs clears it). */
  markedUnread: Type.Boolean(),
});
export type ConversationSettings = Static<typeof ConversationSettings>;

/** A conversation as one member sees it in their list. */
export const ConversationSummary = Type.Composite([
  Conversation,
  Type.Object({
    role: MemberRole,
    memberCount: Type.Integer({ minimum: 1 }),
    /** In a private conversation, the other member's id (for its title and avatar); null in a group. */
    peerId: Type.Union([Type.String(), Type.Null()]),
    lastMessage: Type.Union([Message, Type.Null()]),
    /** Messages after the member's read horizon that they did not write. */
    unreadCount: Type.Integer({ minimum: 0 }),
    /** Of those, the ones that mention the member, by id or with `mentionsAll`. */
    unreadMentionCount: Type.Integer({ minimum: 0 }),
    /** The caller's own settings for it. */
    settings: ConversationSettings,
  }),
]);
export type ConversationSummary = Static<typeof ConversationSummary>;

/** What the relay answers once a message is committed. Identical for every retry of the same id. */
export const SendAck = Type.Object({
  messageId: MessageId,
  conversationId: Id,
  seq: Type.Integer({ minimum: 1 }),
  createdAt: Timestamp,
});
export type SendAck = Static<typeof SendAck>;

/** Online while a socket is connected and active, away after the idle time, offline after the last socket closes. */
export const PresenceStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
export type PresenceStatus = Static<typeof PresenceStatus>;

export const Presence = Type.Object({
  userId: Id,
  status: PresenceStatus,
  /** Last activity while online; `null` if never seen. */
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
});
export type Presence = Static<typeof Presence>;
