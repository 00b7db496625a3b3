import { getFile, getJson, postJson } from '../http.js';
import { sendPartsOf } from '../parts.js';
import { refused } from '../refused.js';
import { splitText } from '../text.js';
import type {
  Connector,
  ExternalProfile,
  FetchedFile,
  InboundEvent,
  InboundFile,
  OutboundMessage,
  SendResult,
  WebhookRequest,
} from '../types.js';
import { metaSendError } from './errors.js';
import { graphResult } from './graph.js';
import { metaMessagingEvents } from './inbound.js';
import { META_LIMITS, messagingWindow } from './limits.js';
import { type MetaAppOptions, verifyMetaChallenge, verifyMetaSignature } from './signature.js';

export { metaSendError } from './errors.js';
export { type GraphError, graphResult } from './graph.js';
export type { MetaMessagingWebhook } from './inbound.js';
export { META_LIMITS, messagingWindow } from './limits.js';
export { type MetaAppOptions, verifyMetaChallenge, verifyMetaSignature } from './signature.js';

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

/**
 * A name a platform gave, fit to show: control and bidirectional-override characters taken
 * out (a name that flips the text around it), trimmed, at most 256 characters, never half of one.
 */
function displayName(value: string): string | null {
  const clean = value.replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, '').trim();
  return clean ? Array.from(clean).slice(0, 256).join('') : null;
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
  /** The Graph API at its version: `{base}/{version}`. */
  readonly #graph: string;
  readonly #url: string;

  constructor(
    readonly channel: 'messenger' | 'instagram',
    private readonly options: MetaSendOptions,
  ) {
    this.#fetch = options.fetch ?? fetch;
    const base = (options.baseUrl ?? 'https://graph.facebook.com').replace(/\/$/, '');
    this.#graph = `${base}/${options.apiVersion ?? 'v23.0'}`;
    this.#url = `${this.#graph}/${options.accountId}/messages`;
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

  /**
   * The person's name from the User Profile API, on the same host, version and token as sends:
   * Messenger `GET /{PSID}?fields=first_name,last_name`
   * (https://developers.facebook.com/docs/messenger-platform/identity/user-profile), Instagram
   * `GET /{IGSID}?fields=name,username`
   * (https://developers.facebook.com/docs/messenger-platform/instagram/features/user-profile). Meta
   * answers only for people who wrote to the account (or pressed Get Started, an icebreaker…),
   * and only with the permissions the docs list; any error or no answer is null.
   */
  async profile(externalId: string, signal?: AbortSignal): Promise<ExternalProfile | null> {
    const fields = this.channel === 'messenger' ? 'first_name,last_name' : 'name,username';
    const url = `${this.#graph}/${encodeURIComponent(externalId)}?fields=${fields}`;
    // getJson bounds the call at CALL_TIMEOUT_MS; the caller's signal can end it sooner.
    const fetcher: typeof fetch = (input, init) =>
      this.#fetch(input, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) });
    try {
      const answer = await getJson(fetcher, url, { authorization: `Bearer ${this.options.accessToken}` });
      // A Graph API error body (`{ error: { code, error_subcode, … } }`), a non-2xx or no answer: nothing to name the person by.
      const body = answer.ok && answer.status < 300 ? (answer.body as Record<string, unknown> | null) : null;
      if (!body || typeof body !== 'object' || 'error' in body) return null;
      const text = (value: unknown) => (typeof value === 'string' ? displayName(value) : null);
      if (this.channel === 'instagram') return { name: text(body.name), username: text(body.username) };
      const name = [text(body.first_name), text(body.last_name)].filter((part) => part !== null).join(' ');
      return { name: name || null, username: null };
    } catch {
      return null;
    }
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
    return metaMessagingEvents(this.channel, body);
  }
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
