import { createHmac, timingSafeEqual } from 'node:crypto';
import { CHANNEL_CAPABILITIES, channelWindow, type MessageContent } from '@chat4all/protocol';
import { getFile, postJson } from '../http.js';
import { sendPartsOf } from '../parts.js';
import { splitText, type TextUnit } from '../text.js';
import type {
  ChannelError,
  Connector,
  FetchedFile,
  InboundEvent,
  InboundFile,
  OutboundMessage,
  SendResult,
  WebhookRequest,
} from '../types.js';

/** The emoji of Messenger's and Instagram's named reactions, for a webhook that names one without its emoji. */
const REACTION_EMOJI: Record<string, string> = {
  smile: '😆',
  laugh: '😆',
  angry: '😡',
  sad: '😢',
  wow: '😮',
  love: '❤️',
  like: '👍',
  dislike: '👎',
};
/** What the Meta webhooks and Graph API have in common: the app secret signature, the verification GET, and the error body. */
export interface MetaAppOptions {
  /** The Meta app secret: webhooks are signed with it (`X-Hub-Signature-256`). */
  appSecret?: string;
  /** The token typed in the webhook set-up, echoed by Meta's verification GET. */
  verifyToken?: string;
}

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, compared in constant time. */
export function verifyMetaSignature(appSecret: string | undefined, request: WebhookRequest): boolean {
  const header = request.headers['x-hub-signature-256'];
  if (!appSecret || typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(request.rawBody).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The webhook set-up GET: the `hub.challenge` to echo when the verify token matches, else null. */
export function verifyMetaChallenge(verifyToken: string | undefined, query: Record<string, unknown>): string | null {
  if (!verifyToken || query['hub.mode'] !== 'subscribe' || query['hub.verify_token'] !== verifyToken) return null;
  const challenge = query['hub.challenge'];
  return typeof challenge === 'string' ? challenge : null;
}

/** A Graph API error body. */
export interface GraphError {
  error: { message: string; type?: string; code: number; error_subcode?: number; error_data?: { details?: string }; fbtrace_id?: string };
}

/**
 * A Graph API answer read one way for every call: what `pick` finds in a 2xx body, else the
 * error the body carries (through `toError`), else UNAVAILABLE by status (5xx retried).
 */
export function graphResult<T>(
  answer: { status: number; body: unknown },
  pick: (body: Record<string, unknown>) => T | undefined,
  toError: (error: GraphError['error']) => ChannelError,
  what: string,
): { ok: true; value: T } | { ok: false; error: ChannelError } {
  const body = answer.body as Record<string, unknown> | null;
  const value = answer.status < 300 && body ? pick(body) : undefined;
  if (value !== undefined) return { ok: true, value };
  if (body && typeof body.error === 'object' && body.error) return { ok: false, error: toError((body as unknown as GraphError).error) };
  return {
    ok: false,
    error: {
      code: 'UNAVAILABLE',
      platformCode: String(answer.status),
      message: `${what} answered ${answer.status}`,
      retry: answer.status >= 500 ? 'backoff' : 'never',
    },
  };
}

export interface MetaSendOptions extends MetaAppOptions {
  /** A Page access token (Messenger; Instagram through a Page) or an Instagram User access token (Instagram Login). */
  accessToken: string;
  /** The Page id (Messenger) or the Instagram professional account id (Instagram): messages go to `/{accountId}/messages`. */
  accountId: string;
  /** @default 'https://graph.facebook.com' (Instagram Login accounts use 'https://graph.instagram.com') */
  baseUrl?: string;
  /** @default 'v23.0' */
  apiVersion?: string;
  fetch?: typeof fetch;
  /** The clock the messaging windows are judged by. @default Date.now */
  now?: () => number;
}

interface MessagingEvent {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: {
    mid: string;
    text?: string;
    is_echo?: boolean;
    /** Instagram: the person unsent it. */
    is_deleted?: boolean;
    is_unsupported?: boolean;
    quick_reply?: { payload: string };
    sticker_id?: number;
    reply_to?: { mid?: string; story?: { url?: string; id?: string } };
    attachments?: Array<{
      type: string;
      title?: string;
      payload?: { url?: string; title?: string; sticker_id?: number; coordinates?: { lat: number; long: number } };
    }>;
  };
  /** A tapped button or ice breaker (`messaging_postbacks`). */
  postback?: { mid?: string; title?: string; payload?: string };
  /** Messenger `message_edits`. */
  message_edit?: { mid: string; text?: string; num_edit?: number };
  /** `message_reactions`: to the message `mid`; an unreact may name no emoji. */
  reaction?: { mid: string; action: 'react' | 'unreact'; emoji?: string; reaction?: string };
  delivery?: { mids?: string[]; watermark: number };
  read?: { watermark?: number; mid?: string };
}

/** The `page` (Messenger) or `instagram` webhook: `entry[].messaging[]`. */
export interface MetaMessagingWebhook {
  object: 'page' | 'instagram';
  entry: Array<{ id: string; time: number; messaging?: MessagingEvent[] }>;
}

/** The Send API's attachment types, with each kind's largest size from the capability table. */
function attachmentLimits(channel: 'messenger' | 'instagram') {
  const { image, video, audio, document } = CHANNEL_CAPABILITIES[channel].fileMaxBytes;
  return { image, video, audio, file: document };
}

/**
 * Limits of the Send API per platform: the text of one message (Messenger 2,000 characters;
 * Instagram 1,000 bytes of UTF-8) and attachment sizes by kind.
 */
export const META_LIMITS = {
  messenger: {
    text: CHANNEL_CAPABILITIES.messenger.text.limit,
    unit: 'codepoints',
    attachment: attachmentLimits('messenger'),
  },
  instagram: {
    text: CHANNEL_CAPABILITIES.instagram.text.limit,
    unit: 'bytes',
    attachment: attachmentLimits('instagram'),
  },
} as const satisfies Record<string, { text: number; unit: TextUnit; attachment: Record<string, number> }>;

/**
 * Meta's messaging windows: a standard reply within 24 hours of the person's last message;
 * after that, only a person (not an automated message) may answer, within 7 days, tagged
 * `HUMAN_AGENT`. A person known never to have written has no window; when the caller does not
 * say (`lastInboundAt` absent), the platform judges.
 */
export function messagingWindow(
  message: Pick<OutboundMessage, 'human' | 'lastInboundAt'>,
  now: number,
  channel: 'messenger' | 'instagram' = 'messenger',
): 'open' | 'human-agent' | 'closed' {
  // Not known (the caller did not say): left to the platform. Known never to have written: no window.
  if (message.lastInboundAt === undefined) return 'open';
  const last = message.lastInboundAt === null ? null : Date.parse(message.lastInboundAt);
  if (last !== null && Number.isNaN(last)) return 'open';
  const { state } = channelWindow(channel, last, now);
  if (state === 'open') return 'open';
  return state === 'human-agent' && message.human ? 'human-agent' : 'closed';
}
/**
 * The Meta Send API, shared by Messenger (https://developers.facebook.com/docs/messenger-platform/reference/send-api)
 * and Instagram messaging (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api):
 * `POST /{account-id}/messages` with `{ recipient: { id }, message: { text | attachment } }`,
 * answered `{ recipient_id, message_id }`; inbound `messaging` webhooks with messages,
 * deliveries and reads, signed with `X-Hub-Signature-256`.
 */
export class MetaSendConnector implements Connector {
  readonly #fetch: typeof fetch;
  readonly #url: string;

  constructor(
    readonly channel: 'messenger' | 'instagram',
    private readonly options: MetaSendOptions,
  ) {
    this.#fetch = options.fetch ?? fetch;
    const base = (options.baseUrl ?? 'https://graph.facebook.com').replace(/\/$/, '');
    this.#url = `${base}/${options.apiVersion ?? 'v23.0'}/${options.accountId}/messages`;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const limits = META_LIMITS[this.channel];
    const name = this.channel === 'messenger' ? 'Messenger' : 'Instagram';
    const parts: Array<Record<string, unknown>> = [];
    const { file } = message;
    if (file) {
      const kind = file.type.startsWith('image/')
        ? 'image'
        : file.type.startsWith('video/')
          ? 'video'
          : file.type.startsWith('audio/')
            ? 'audio'
            : 'file';
      const limit = limits.attachment[kind];
      if (file.size > limit)
        return refused('FILE_TOO_LARGE', `${name} takes ${kind} files of at most ${limit / 1024 ** 2} MB; this one is ${file.size} bytes`);
      if (!file.url) return refused('NO_PUBLIC_URL', `${name} fetches files from a URL; the relay has no public URL`);
      parts.push({ attachment: { type: kind, payload: { url: file.url, is_reusable: false } } });
    }
    // The Send API has no caption: a file's text goes as messages of its own, after it, cut to the platform's limit.
    // The Send API cannot send a place or contact cards: their text goes, a place with a map link.
    const { content } = message;
    const shared =
      content?.type === 'location' ? `${message.text}\nhttps://maps.google.com/?q=${content.latitude},${content.longitude}` : message.text;
    if (shared) for (const text of splitText(shared, limits.text, limits.unit)) parts.push({ text });
    const window = messagingWindow(message, (this.options.now ?? Date.now)(), this.channel);
    if (window === 'closed')
      return refused(
        'OUTSIDE_WINDOW',
        `${name} takes messages only within 24 hours of the person's last message (7 days for a person's reply, tagged HUMAN_AGENT)`,
      );
    // Messenger requires a messaging type (RESPONSE inside the window); Instagram's samples send none but the tag.
    const type =
      window === 'human-agent'
        ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }
        : this.channel === 'messenger'
          ? { messaging_type: 'RESPONSE' }
          : {};
    return sendPartsOf(message, parts, async (part, index) => {
      const reply = message.replyToExternalId && index === 0 ? { reply_to: { mid: message.replyToExternalId } } : {};
      const body = { recipient: { id: message.recipientId }, ...type, message: { ...part, ...reply } };
      const result = await this.#call(body, 'message_id');
      return result.ok ? { ok: true, id: result.value } : result;
    });
  }

  /** One Send API call, answered with `message_id` (a message) or `recipient_id` (a sender action). */
  async #call(body: Record<string, unknown>, field: 'message_id' | 'recipient_id') {
    const answer = await postJson(this.#fetch, this.#url, body, { authorization: `Bearer ${this.options.accessToken}` });
    if (!answer.ok) return answer;
    return graphResult(
      answer,
      (b) => (typeof b[field] === 'string' ? (b[field] as string) : undefined),
      (e) => metaSendError(e.code, e.error_subcode, e.message),
      'Graph API',
    );
  }

  /** `sender_action: mark_seen` (https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions). */
  markRead(recipientId: string): Promise<SendResult> {
    return this.#action(recipientId, 'mark_seen');
  }

  typing(recipientId: string, active: boolean): Promise<SendResult> {
    return this.#action(recipientId, active ? 'typing_on' : 'typing_off');
  }

  /**
   * `sender_action: react` with the emoji, or `unreact`, on a message of the chat (Send API,
   * sender actions; the Instagram messaging API takes the same). Answered with `recipient_id`.
   */
  async react(recipientId: string, externalId: string, key: string | null): Promise<SendResult> {
    const result = await this.#action(recipientId, key === null ? 'unreact' : 'react', {
      message_id: externalId,
      ...(key === null ? {} : { reaction: key }),
    });
    return result.ok ? { ok: true, externalId } : result;
  }

  async #action(
    recipientId: string,
    action: 'mark_seen' | 'typing_on' | 'typing_off' | 'react' | 'unreact',
    payload?: Record<string, unknown>,
  ): Promise<SendResult> {
    const result = await this.#call(
      { recipient: { id: recipientId }, sender_action: action, ...(payload ? { payload } : {}) },
      'recipient_id',
    );
    return result.ok ? { ok: true, externalId: '' } : result;
  }

  /** An attachment a person sent: its webhook carries a URL to fetch it from. */
  fetchFile(file: InboundFile): Promise<FetchedFile> {
    return getFile(this.#fetch, file.platformFileId, {}, { type: file.type?.endsWith('/*') ? null : file.type, name: file.name });
  }

  verifyWebhook(request: WebhookRequest): boolean {
    return verifyMetaSignature(this.options.appSecret, request);
  }

  verifyChallenge(query: Record<string, unknown>): string | null {
    return verifyMetaChallenge(this.options.verifyToken, query);
  }

  parseWebhook(body: unknown): InboundEvent[] {
    const webhook = body as MetaMessagingWebhook;
    const object = this.channel === 'messenger' ? 'page' : 'instagram';
    if (webhook?.object !== object || !Array.isArray(webhook.entry)) return [];
    const events: InboundEvent[] = [];
    for (const entry of webhook.entry) {
      for (const item of entry.messaging ?? []) {
        const at = new Date(item.timestamp ?? entry.time).toISOString();
        const { message, delivery, read, postback } = item;
        const person = { conversationKey: item.sender.id, from: { id: item.sender.id, name: null, username: null } };
        if (message?.is_deleted && !message.is_echo)
          events.push({ kind: 'delete', externalId: message.mid, conversationKey: item.sender.id, at });
        // Echoes are the account's own sends (ours, or from the Page inbox): not inbound.
        else if (message && !message.is_echo) {
          const attachment = message.attachments?.find((a) => a.type !== 'fallback') ?? message.attachments?.[0];
          const fetchable = attachment && FETCHED.has(attachment.type) && attachment.payload?.url;
          const file: InboundFile | null = fetchable
            ? { platformFileId: attachment.payload?.url as string, name: null, type: mimeOf(attachment.type), size: null }
            : null;
          events.push({
            kind: 'message',
            externalId: message.mid,
            ...person,
            ...metaContent(message, attachment),
            file,
            sentAt: at,
            replyToExternalId: message.reply_to?.mid ?? null,
          });
        }
        if (postback?.mid) {
          const title = postback.title ?? postback.payload ?? '';
          events.push({
            kind: 'message',
            externalId: postback.mid,
            ...person,
            text: title,
            file: null,
            content: { type: 'choice', payload: postback.payload ?? '', title, description: null },
            sentAt: at,
            replyToExternalId: null,
          });
        }
        // One reaction per person: a `react` sets it, an `unreact` (which may name no emoji) takes it back.
        if (item.reaction?.mid)
          events.push({
            kind: 'reaction',
            externalId: item.reaction.mid,
            ...person,
            keys: item.reaction.action === 'react' ? [item.reaction.emoji ?? REACTION_EMOJI[item.reaction.reaction ?? ''] ?? '👍'] : [],
            at,
          });
        if (item.message_edit?.mid)
          events.push({
            kind: 'edit',
            externalId: item.message_edit.mid,
            conversationKey: item.sender.id,
            text: item.message_edit.text ?? '',
            at,
          });
        if (delivery) {
          for (const mid of delivery.mids ?? []) events.push({ kind: 'status', externalId: mid, status: 'delivered', at, error: null });
          if (!delivery.mids?.length)
            events.push({
              kind: 'watermark',
              conversationKey: item.sender.id,
              status: 'delivered',
              before: new Date(delivery.watermark).toISOString(),
            });
        }
        if (read?.mid) events.push({ kind: 'status', externalId: read.mid, status: 'read', at, error: null });
        else if (read?.watermark)
          events.push({
            kind: 'watermark',
            conversationKey: item.sender.id,
            status: 'read',
            before: new Date(read.watermark).toISOString(),
          });
      }
    }
    return events;
  }
}

/**
 * Send API errors (https://developers.facebook.com/docs/messenger-platform/reference/send-api/error-codes)
 * to our codes: rate limits and temporary failures retried, the 24-hour window, blocked or
 * unknown recipients and bad tokens final.
 */
export function metaSendError(code: number, subcode: number | undefined, message: string): ChannelError {
  const platformCode = subcode ? `${code}/${subcode}` : String(code);
  const error = (ours: string, retry: ChannelError['retry']): ChannelError => ({ code: ours, platformCode, message, retry });
  if (code === 10 && (subcode === 2018278 || subcode === 2534022)) return error('OUTSIDE_WINDOW', 'never');
  if (subcode === 2018109) return error('FILE_TOO_LARGE', 'never');
  if (subcode === 2018108) return error('RECIPIENT_BLOCKED', 'never');
  if (code === 4 || code === 613 || code === 32 || code === 17 || code === 341) return error('RATE_LIMITED', 'backoff');
  if (code === 1200 || code === 1 || code === 2) return error('UNAVAILABLE', 'backoff');
  // The Page or account token itself is refused: nothing can be sent until it is fixed.
  if (code === 190 || ((code === 10 || (code >= 200 && code < 300)) && subcode === undefined)) return error('UNAUTHORIZED', 'hold');
  if (code === 551 || (code === 200 && subcode === 1545041)) return error('RECIPIENT_BLOCKED', 'never');
  if (code === 100 && subcode === 2018001) return error('INVALID_RECIPIENT', 'never');
  return error('BAD_REQUEST', 'never');
}

/** Attachment types whose media the relay copies: the others are links (shares, reels, posts) or have no file. */
const FETCHED = new Set(['image', 'video', 'audio', 'file', 'sticker']);

type Attachment = NonNullable<NonNullable<MessagingEvent['message']>['attachments']>[number];

/**
 * A person's message as text and content: a quick reply keeps its payload, a sticker is
 * marked, a (legacy) location pin is a location, a story reply names the story, and an
 * attachment this model has no kind for (a share, a reel, a story mention, a template) is
 * `unsupported` with its type and its link as the text.
 */
function metaContent(
  message: NonNullable<MessagingEvent['message']>,
  attachment: Attachment | undefined,
): { text: string; content: MessageContent | null } {
  const text = message.text ?? '';
  if (message.quick_reply)
    return { text, content: { type: 'choice', payload: message.quick_reply.payload, title: text, description: null } };
  const coordinates = attachment?.payload?.coordinates;
  if (attachment?.type === 'location' && coordinates)
    return {
      text: attachment.title ?? `${coordinates.lat}, ${coordinates.long}`,
      content: {
        type: 'location',
        latitude: coordinates.lat,
        longitude: coordinates.long,
        name: attachment.title ?? null,
        address: null,
        url: null,
      },
    };
  if (message.sticker_id !== undefined || attachment?.type === 'sticker' || attachment?.payload?.sticker_id !== undefined)
    return { text, content: { type: 'sticker', animated: false, emoji: null } };
  if (message.reply_to?.story) return { text, content: { type: 'story_reply', url: message.reply_to.story.url ?? null } };
  if (attachment && !FETCHED.has(attachment.type))
    return {
      text: text || (attachment.payload?.url ?? attachment.payload?.title ?? ''),
      content: { type: 'unsupported', platformType: attachment.type },
    };
  if (message.is_unsupported) return { text, content: { type: 'unsupported', platformType: 'unsupported' } };
  return { text, content: null };
}

function mimeOf(type: string): string | null {
  return type === 'image' || type === 'sticker' ? 'image/*' : type === 'video' ? 'video/*' : type === 'audio' ? 'audio/*' : null;
}

function refused(code: string, message: string): SendResult {
  return { ok: false, error: { code, platformCode: null, message, retry: 'never' } };
}

/** Messenger: a Facebook Page's conversations (Page access token, Page id). */
export class MessengerConnector extends MetaSendConnector {
  constructor(options: MetaSendOptions) {
    super('messenger', options);
  }
}

/** Instagram messaging: an Instagram professional account's direct messages. */
export class InstagramConnector extends MetaSendConnector {
  constructor(options: MetaSendOptions) {
    super('instagram', options);
  }
}
