import type { ContactsContent, LocationContent, MessageContent } from '@chat4all/protocol';

/** A file a message carries: a link the platform can fetch, and/or its bytes for platforms that take uploads. */
export interface OutboundFile {
  /** A URL the platform's servers can download (a signed link to the relay's upload); null when the relay has no public URL. */
  url: string | null;
  name: string;
  /** MIME type. */
  type: string;
  size: number;
  /** Reads the file, for connectors that upload it to the platform instead of giving a link. */
  bytes?: () => Promise<Uint8Array>;
}

/** A message to one external contact on one channel account. */
export interface OutboundMessage {
  /** Chat4All message id; the connector may pass it on as an idempotency hint. */
  id: string;
  /** The contact's id on the platform (a Telegram chat id, a WhatsApp number…). */
  recipientId: string;
  text: string;
  file?: OutboundFile;
  /**
   * A place or contact cards to share: sent as the platform's location or contact message
   * (WhatsApp `location` / `contacts`, Telegram `sendVenue` / `sendLocation` / `sendContact`),
   * or as `text` where it has none.
   */
  content?: LocationContent | ContactsContent;
  /** The platform's id of the message this one answers. */
  replyToExternalId?: string;
  /**
   * The message's metadata, for platform options a connector reads (`whatsapp.template`: send a
   * WhatsApp message template instead of free text, the way to write outside the 24-hour window).
   */
  metadata?: Record<string, unknown>;
  /** Whether a person wrote it (an app user), as opposed to a system message: Messenger and Instagram tag a person's late replies `HUMAN_AGENT`. */
  human?: boolean;
  /** When the contact last wrote on this channel, for the platforms' messaging windows; null if never. */
  lastInboundAt?: string | null;
  /**
   * The platform's ids of the parts earlier attempts already sent, when the message goes as
   * several (a long text cut into parts, a caption's overflow, a file and its text): the
   * connector sends only the parts after these, so a retry never repeats one.
   */
  sentParts?: readonly string[];
  /** Called after each part goes, with the ids of every part sent so far: the relay keeps them (and its lease) as the message goes. */
  onPart?(parts: readonly string[]): Promise<void>;
  /** Awaited before each further part: the relay waits there for the platform's rates, which count every part. */
  beforePart?(): Promise<void>;
}

/**
 * What to do about a failed send. `retry: 'backoff'` retries with the dispatcher's
 * backoff; `'after'` waits `retryAfterMs` (the platform said so); `'never'` is final for this
 * message; `'hold'` says the account itself cannot send (its token expired or was revoked):
 * the relay pauses the account and holds its deliveries until it is resumed.
 */
export interface ChannelError {
  /** Our code: RATE_LIMITED, UNAVAILABLE, INVALID_RECIPIENT, RECIPIENT_BLOCKED, OUTSIDE_WINDOW, FILE_TOO_LARGE, FILE_UNSUPPORTED, UNAUTHORIZED, BAD_REQUEST, NETWORK. */
  code: string;
  /** The platform's own error code and text, kept for the status history. */
  platformCode: string | null;
  message: string;
  retry: 'backoff' | 'after' | 'never' | 'hold';
  retryAfterMs?: number;
  /**
   * `recipient` when the failure is about this one contact (WhatsApp's pair rate limit, a
   * message held back for that user): retried like any other, but it does not count toward
   * the account's circuit breaker, so one contact cannot stop the account. @default 'account'
   */
  scope?: 'account' | 'recipient';
}

/**
 * A send's outcome. `externalId` is the platform's id of the message (of its first part when
 * it went as several); `parts` lists every part's id in order, and on a failure the parts
 * sent before it, which the next attempt passes back as `sentParts`.
 */
export type SendResult =
  | {
      ok: true;
      externalId: string;
      parts?: string[];
      /** The contact's new id on the platform, when the chat moved (a Telegram group upgraded to a supergroup): later messages go there. */
      recipientId?: string;
    }
  | { ok: false; error: ChannelError; parts?: string[] };

/** A person on the platform. */
export interface ExternalSender {
  id: string;
  name: string | null;
  username: string | null;
}

/**
 * What the platform tells about a person when asked (`Connector.profile`): their display name
 * and handle, each null when the platform has none.
 */
export interface ExternalProfile {
  name: string | null;
  username: string | null;
}

/** A file received from the platform, fetched later through the connector. */
export interface InboundFile {
  /** The platform's file id. */
  platformFileId: string;
  name: string | null;
  type: string | null;
  size: number | null;
  /** SHA-256 of the file as the platform gives it (lowercase hex), checked against the bytes fetched. */
  sha256?: string;
}

export type InboundEvent =
  | {
      kind: 'message';
      /** The platform's message id: the key that makes a webhook delivered twice store one message. */
      externalId: string;
      /** Where answers go (a Telegram chat id; the sender's number on WhatsApp). */
      conversationKey: string;
      from: ExternalSender;
      text: string;
      file: InboundFile | null;
      /**
       * What the message is beyond its text and file: a location, contact cards, a button or
       * list choice, a sticker, a voice note, or a platform type with no equivalent
       * (`unsupported`). Absent or null for a plain text or file.
       */
      content?: MessageContent | null;
      sentAt: string;
      replyToExternalId: string | null;
      /** A token the platform wants answered once the event is taken (Telegram's `callback_query` id): see `Connector.acknowledge`. */
      acknowledge?: string;
    }
  | {
      /** The contact changed the text of a message it sent (`externalId` is that message's). */
      kind: 'edit';
      externalId: string;
      conversationKey: string;
      text: string;
      at: string;
    }
  | {
      /** The platform moved a chat to a new id (a Telegram group upgraded to a supergroup). */
      kind: 'moved';
      conversationKey: string;
      to: string;
      at: string;
    }
  | {
      /**
       * The contact's reactions to a message (`externalId`, theirs or one sent to them) are now
       * `keys`: empty when they took their reaction back. Platforms report one change at a
       * time (WhatsApp, Messenger, Instagram: one reaction each) or the whole new set (Telegram).
       */
      kind: 'reaction';
      externalId: string;
      conversationKey: string;
      from: ExternalSender;
      keys: string[];
      at: string;
    }
  | {
      /** The contact deleted ("unsent") a message it sent. */
      kind: 'delete';
      externalId: string;
      conversationKey: string;
      at: string;
    }
  | {
      kind: 'status';
      /** The platform's id of a message we sent. */
      externalId: string;
      status: 'sent' | 'delivered' | 'read' | 'failed';
      at: string;
      error: ChannelError | null;
    }
  | {
      /** Everything sent to `conversationKey` before `before` reached this status (Messenger reports reads this way). */
      kind: 'watermark';
      conversationKey: string;
      status: 'delivered' | 'read';
      before: string;
    };

/** A file a contact sent, as fetched from the platform. */
export type FetchedFile =
  | { ok: true; body: ReadableStream<Uint8Array>; type: string | null; size: number | null; name: string | null }
  | { ok: false; error: ChannelError };

/** What a webhook request looks like to a connector: headers (lower-case names) and the raw body. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

/**
 * A channel adapter: a thin translator between Chat4All messages and one platform's API.
 * It sends, verifies and reads webhooks, and turns the platform's errors into a retry
 * decision; retries, rate limits and circuit breaking are the dispatcher's.
 */
export interface Connector {
  readonly channel: string;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Whether a webhook request really comes from the platform (signature or secret). */
  verifyWebhook(request: WebhookRequest): boolean;
  /** Meta's webhook set-up GET: the `hub.challenge` to echo when the verify token matches, else null. Absent where the platform has none. */
  verifyChallenge?(query: Record<string, unknown>): string | null;
  /** The events in a verified webhook body. */
  parseWebhook(body: unknown): InboundEvent[];
  /**
   * Asks the platform who a person is, for platforms whose webhooks carry only an id (Meta's
   * User Profile API for Messenger PSIDs and Instagram IGSIDs). Null when the platform will not
   * say (no consent or permission, an unknown id, an error, no answer before `signal` aborts):
   * it never throws. Absent where webhooks carry the name.
   */
  profile?(externalId: string, signal?: AbortSignal): Promise<ExternalProfile | null>;
  /** Downloads a file a contact sent (`InboundFile` of an inbound message). Absent where files cannot be fetched. */
  fetchFile?(file: InboundFile): Promise<FetchedFile>;
  /** Marks a contact's message (and those before it) read on the platform: WhatsApp `status: read`, Meta `mark_seen`. */
  markRead?(recipientId: string, externalId: string): Promise<SendResult>;
  /**
   * Shows typing to the contact, or stops it where the platform can: Telegram `sendChatAction`,
   * Meta `typing_on` / `typing_off`, WhatsApp's typing indicator (on the contact's last message,
   * `lastExternalId`, which it also marks read).
   */
  typing?(recipientId: string, active: boolean, lastExternalId: string | null): Promise<SendResult>;
  /**
   * Sets the business's reaction to a message in the contact's chat (`externalId`: a message
   * of theirs or one sent to them), or takes it back (`key` null): WhatsApp `reaction`
   * messages, Telegram `setMessageReaction`, Meta `sender_action: react` / `unreact`.
   */
  react?(recipientId: string, externalId: string, key: string | null): Promise<SendResult>;
  /**
   * Changes the text of a message sent earlier, given the platform's ids of its parts and
   * whether its first part is a file (whose caption is the text): Telegram `editMessageText`
   * and `editMessageCaption`.
   */
  edit?(recipientId: string, sent: { parts: readonly string[]; file: boolean }, text: string): Promise<SendResult>;
  /** Deletes a message sent earlier, every part of it: Telegram `deleteMessages`. */
  delete?(recipientId: string, parts: readonly string[]): Promise<SendResult>;
  /** Answers a token an inbound event carried (`acknowledge`), once the relay has taken the event: Telegram `answerCallbackQuery`. */
  acknowledge?(token: string): Promise<SendResult>;
  /** Whether a recipient id names a group chat, which the platform limits more strictly (Telegram: negative chat ids). */
  isGroup?(recipientId: string): boolean;
  /**
   * For channels that report events by themselves (loopback, Telegram in polling mode): hands
   * them to `sink`, in order; returns a function that stops. A batch whose `sink` rejects is
   * handed over again where the platform can give it again (Telegram's offset is not moved).
   */
  listen?(sink: (events: InboundEvent[]) => Promise<unknown>): () => void;
  /** Points the platform at the relay's webhook URL, where the platform is told it rather than configured by hand (Telegram `setWebhook`). */
  register?(webhookUrl: string): Promise<SendResult>;
}
