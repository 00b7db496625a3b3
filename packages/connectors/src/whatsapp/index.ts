import { getFile, getJson, postForm, postJson } from '../http.js';
import { graphResult } from '../meta/graph.js';
import { type MetaAppOptions, verifyMetaChallenge, verifyMetaSignature } from '../meta/signature.js';
import { sendPartsOf } from '../parts.js';
import { refused } from '../refused.js';
import { splitText } from '../text.js';
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
import { graphError } from './errors.js';
import { whatsappEvents } from './inbound.js';
import { WHATSAPP_MEDIA_LIMITS, whatsappMediaKind } from './media.js';
import { templateOf, WHATSAPP_CAPTION_LIMIT, WHATSAPP_TEXT_LIMIT, whatsappContentBody } from './outbound.js';

export { whatsappError } from './errors.js';
export type { WhatsAppWebhook } from './inbound.js';
export { WHATSAPP_MEDIA_LIMITS } from './media.js';
export { WHATSAPP_CAPTION_LIMIT, WHATSAPP_TEXT_LIMIT } from './outbound.js';

export interface WhatsAppOptions extends MetaAppOptions {
  /** A system-user access token with `whatsapp_business_messaging`. */
  accessToken: string;
  /** The business phone number's id (not the number). */
  phoneNumberId: string;
  /** @default 'https://graph.facebook.com' */
  baseUrl?: string;
  /** @default 'v23.0' */
  apiVersion?: string;
  fetch?: typeof fetch;
}

/**
 * WhatsApp Business Cloud API (https://developers.facebook.com/docs/whatsapp/cloud-api):
 * `POST /{phone-number-id}/messages` for text, image, video, audio and document messages
 * (media by link), the `messages` webhook for inbound messages and sent/delivered/read/failed
 * statuses, signed with `X-Hub-Signature-256`, and the `hub.challenge` verification GET.
 */
export class WhatsAppConnector implements Connector {
  readonly channel = 'whatsapp';
  readonly #fetch: typeof fetch;
  readonly #url: string;
  readonly #base: string;

  constructor(private readonly options: WhatsAppOptions) {
    this.#fetch = options.fetch ?? fetch;
    const base = (options.baseUrl ?? 'https://graph.facebook.com').replace(/\/$/, '');
    this.#base = `${base}/${options.apiVersion ?? 'v23.0'}`;
    this.#url = `${this.#base}/${options.phoneNumberId}/messages`;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to: message.recipientId };
    const reply = (index: number) =>
      message.replyToExternalId && index === 0 ? { context: { message_id: message.replyToExternalId } } : {};
    const { file } = message;
    const template = templateOf(message.metadata);
    const text = (body: string, index: number) => ({ ...base, ...reply(index), type: 'text', text: { body, preview_url: false } });
    if (template) return sendPartsOf(message, [{ ...base, ...reply(0), type: 'template', template }], (body) => this.#post(body));
    // A place or contact cards (https://developers.facebook.com/docs/whatsapp/cloud-api/messages/location-messages, /contacts-messages).
    if (message.content)
      return sendPartsOf(message, [{ ...base, ...reply(0), ...whatsappContentBody(message.content) }], (body) => this.#post(body));
    if (!file)
      return sendPartsOf(message, splitText(message.text, WHATSAPP_TEXT_LIMIT, 'codepoints'), (body, index) =>
        this.#post(text(body, index)),
      );
    const kind = whatsappMediaKind(file.type);
    const limit = WHATSAPP_MEDIA_LIMITS[kind];
    if (file.size > limit)
      return refused('FILE_TOO_LARGE', `WhatsApp takes ${kind} files of at most ${limit / 1024 / 1024} MB; this one is ${file.size} bytes`);
    if (!file.url && !file.bytes) return refused('NO_PUBLIC_URL', 'The file has neither a public link nor bytes to upload');
    // Images, videos and documents carry a caption of up to 1,024 characters; audio none. The rest of the text follows.
    const captioned = kind !== 'audio';
    const texts = message.text
      ? splitText(message.text, WHATSAPP_TEXT_LIMIT, 'codepoints', captioned ? WHATSAPP_CAPTION_LIMIT : WHATSAPP_TEXT_LIMIT)
      : [];
    const caption = captioned ? texts.shift() : undefined;
    const parts: Array<{ file: true } | { text: string }> = [{ file: true }, ...texts.map((t) => ({ text: t }))];
    return sendPartsOf(message, parts, async (part, index) => {
      if ('text' in part) return this.#post(text(part.text, index));
      // By link when the platform can fetch the file; otherwise uploaded first (`POST /{phone-number-id}/media`).
      let source: { link: string } | { id: string };
      if (file.url) source = { link: file.url };
      else {
        const uploaded = await this.#upload(file.name, file.type, await (file.bytes as NonNullable<typeof file.bytes>)());
        if (!uploaded.ok) return uploaded;
        source = { id: uploaded.id };
      }
      const media = { ...source, ...(kind === 'document' ? { filename: file.name } : {}), ...(caption ? { caption } : {}) };
      return this.#post({ ...base, ...reply(index), type: kind, [kind]: media });
    });
  }

  /**
   * A reaction message (https://developers.facebook.com/docs/whatsapp/cloud-api/messages/reaction-messages)
   * to a message of the chat from the last 30 days; an empty emoji takes it back. WhatsApp
   * answers with the reaction's own id; one it cannot apply fails later in a status webhook (131009).
   */
  async react(recipientId: string, externalId: string, key: string | null): Promise<SendResult> {
    const sent = await this.#post({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: recipientId,
      type: 'reaction',
      reaction: { message_id: externalId, emoji: key ?? '' },
    });
    return sent.ok ? { ok: true, externalId: sent.id } : sent;
  }

  /** `{ status: 'read', message_id }` (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read). */
  async markRead(_recipientId: string, externalId: string): Promise<SendResult> {
    return this.#signal({ messaging_product: 'whatsapp', status: 'read', message_id: externalId });
  }

  /** The typing indicator, shown on the contact's last message for up to 25 s or until we answer; it ends by itself. */
  async typing(_recipientId: string, active: boolean, lastExternalId: string | null): Promise<SendResult> {
    if (!active || !lastExternalId) return { ok: true, externalId: '' };
    return this.#signal({ messaging_product: 'whatsapp', status: 'read', message_id: lastExternalId, typing_indicator: { type: 'text' } });
  }

  /** A read or typing call: answered `{ success: true }`. */
  async #signal(body: Record<string, unknown>): Promise<SendResult> {
    const answer = await postJson(this.#fetch, this.#url, body, { authorization: `Bearer ${this.options.accessToken}` });
    if (!answer.ok) return answer;
    const result = graphResult(answer, (b) => (b.success === true ? true : undefined), graphError, 'Graph API');
    return result.ok ? { ok: true, externalId: '' } : result;
  }

  /** One `POST /{phone-number-id}/messages`, answered with the message's id (`messages[0].id`). */
  async #post(body: Record<string, unknown>): Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }> {
    const answer = await postJson(this.#fetch, this.#url, body, { authorization: `Bearer ${this.options.accessToken}` });
    if (!answer.ok) return answer;
    const result = graphResult(answer, (b) => (b.messages as Array<{ id: string }> | undefined)?.[0]?.id, graphError, 'Graph API');
    return result.ok ? { ok: true, id: result.value } : result;
  }

  /** Uploads media (multipart `file`, `type`, `messaging_product`), answered with its id (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media). */
  async #upload(name: string, type: string, bytes: Uint8Array): Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }> {
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', type);
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), name);
    const answer = await postForm(this.#fetch, `${this.#base}/${this.options.phoneNumberId}/media`, form, {
      authorization: `Bearer ${this.options.accessToken}`,
    });
    if (!answer.ok) return answer;
    const result = graphResult(answer, (b) => (typeof b.id === 'string' ? b.id : undefined), graphError, 'Media upload');
    return result.ok ? { ok: true, id: result.value } : result;
  }

  /**
   * Media a customer sent: `GET /{media-id}` gives a short-lived URL, which is then fetched
   * with the same token (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media).
   */
  async fetchFile(file: InboundFile): Promise<FetchedFile> {
    const auth = { authorization: `Bearer ${this.options.accessToken}` };
    const answer = await getJson(this.#fetch, `${this.#base}/${encodeURIComponent(file.platformFileId)}`, auth);
    if (!answer.ok) return answer;
    const media = graphResult(
      answer,
      (b) => (typeof b.url === 'string' ? { url: b.url, type: typeof b.mime_type === 'string' ? b.mime_type : null } : undefined),
      graphError,
      'Media lookup',
    );
    if (!media.ok) return media;
    return getFile(this.#fetch, media.value.url, auth, { type: media.value.type ?? file.type, name: file.name });
  }

  /** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`. */
  verifyWebhook(request: WebhookRequest): boolean {
    return verifyMetaSignature(this.options.appSecret, request);
  }

  /** The webhook set-up GET: the `hub.challenge` to echo when the verify token matches, else null. */
  verifyChallenge(query: Record<string, unknown>): string | null {
    return verifyMetaChallenge(this.options.verifyToken, query);
  }

  parseWebhook(body: unknown): InboundEvent[] {
    return whatsappEvents(body);
  }
}
