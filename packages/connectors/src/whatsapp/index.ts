import {
  CHANNEL_CAPABILITIES,
  type ContactCard,
  type ContactsContent,
  contentText,
  type LocationContent,
  type MessageContent,
} from '@chat4all/protocol';
import { getFile, getJson, postForm, postJson } from '../http.js';
import { type GraphError, graphResult, type MetaAppOptions, verifyMetaChallenge, verifyMetaSignature } from '../meta/index.js';
import { sendPartsOf } from '../parts.js';
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

/** Media Cloud API accepts by link, by kind (Cloud API, "Supported media types"). */
export const WHATSAPP_MEDIA_LIMITS = CHANNEL_CAPABILITIES.whatsapp.fileMaxBytes;
/** Longest text body and longest media caption (Cloud API, "Messages" reference), in characters. */
export const WHATSAPP_TEXT_LIMIT = CHANNEL_CAPABILITIES.whatsapp.text.limit;
export const WHATSAPP_CAPTION_LIMIT = CHANNEL_CAPABILITIES.whatsapp.caption?.limit ?? WHATSAPP_TEXT_LIMIT;

/**
 * The types the Cloud API takes for each kind ("Supported media types"): JPEG and PNG images,
 * MP4 and 3GPP video, AAC, AMR, MP3, M4A and OGG (Opus) audio. Any other file, an image of
 * another type included, goes as a document, which takes any type.
 */
const WHATSAPP_MEDIA_TYPES = {
  image: ['image/jpeg', 'image/png'],
  video: ['video/mp4', 'video/3gpp'],
  audio: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
} as const;

function whatsappMediaKind(type: string): keyof typeof WHATSAPP_MEDIA_LIMITS {
  const media = type.split(';')[0]?.trim().toLowerCase() ?? '';
  for (const kind of ['image', 'video', 'audio'] as const)
    if ((WHATSAPP_MEDIA_TYPES[kind] as readonly string[]).includes(media)) return kind;
  return 'document';
}

type Media = { id: string; mime_type?: string; sha256?: string; caption?: string; filename?: string; voice?: boolean; animated?: boolean };

/** A contact card as the `contacts` message carries it (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components, contacts). */
interface ContactCardPayload {
  name?: { formatted_name?: string; first_name?: string; last_name?: string };
  phones?: Array<{ phone?: string; wa_id?: string; type?: string }>;
  emails?: Array<{ email?: string }>;
  org?: { company?: string };
}

/** One inbound message of the `messages` webhook, by `type` (the webhook reference's message objects). */
interface WebhookMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  text?: { body: string };
  image?: Media;
  video?: Media;
  audio?: Media;
  document?: Media;
  sticker?: Media;
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
  contacts?: ContactCardPayload[];
  interactive?: {
    type: string;
    button_reply?: { id: string; title: string };
    list_reply?: { id: string; title: string; description?: string };
  };
  button?: { payload: string; text: string };
  reaction?: { message_id: string; emoji?: string };
  order?: { text?: string };
  system?: { body?: string; type?: string };
  unsupported?: { type?: string };
  edit?: { original_message_id: string; message: WebhookMessage };
  revoke?: { original_message_id: string };
  context?: { id: string };
}

interface WebhookStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  errors?: Array<{ code: number; title: string; message?: string; error_data?: { details?: string } }>;
}

/** The Cloud API's `messages` webhook: `entry[].changes[].value` with `messages`, `contacts` and `statuses`. */
export interface WhatsAppWebhook {
  object: string;
  entry: Array<{
    id: string;
    changes: Array<{
      field: string;
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: Array<{ profile?: { name?: string }; wa_id: string }>;
        messages?: WebhookMessage[];
        statuses?: WebhookStatus[];
      };
    }>;
  }>;
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
    const webhook = body as WhatsAppWebhook;
    if (webhook?.object !== 'whatsapp_business_account' || !Array.isArray(webhook.entry)) return [];
    const events: InboundEvent[] = [];
    for (const entry of webhook.entry) {
      for (const change of entry.changes ?? []) {
        if (change.field !== 'messages') continue;
        const { value } = change;
        const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
        for (const message of value.messages ?? []) {
          const sentAt = new Date(Number(message.timestamp) * 1000).toISOString();
          if (message.type === 'revoke' && message.revoke) {
            events.push({ kind: 'delete', externalId: message.revoke.original_message_id, conversationKey: message.from, at: sentAt });
            continue;
          }
          if (message.type === 'edit' && message.edit) {
            const edited = message.edit.message;
            const text = edited?.text?.body ?? mediaOf(edited)?.caption ?? '';
            events.push({ kind: 'edit', externalId: message.edit.original_message_id, conversationKey: message.from, text, at: sentAt });
            continue;
          }
          // A reaction to a message from the last 30 days; without `emoji` when the contact took it back.
          if (message.type === 'reaction' && message.reaction?.message_id) {
            const emoji = message.reaction.emoji;
            events.push({
              kind: 'reaction',
              externalId: message.reaction.message_id,
              conversationKey: message.from,
              from: { id: message.from, name: names.get(message.from) ?? null, username: null },
              keys: emoji ? [emoji] : [],
              at: sentAt,
            });
            continue;
          }
          const media = mediaOf(message);
          const file: InboundFile | null = media
            ? {
                platformFileId: media.id,
                name: media.filename ?? null,
                type: media.mime_type ?? null,
                size: null,
                ...(media.sha256 ? { sha256: Buffer.from(media.sha256, 'base64').toString('hex') } : {}),
              }
            : null;
          const { text, content } = whatsappContent(message, media);
          events.push({
            kind: 'message',
            externalId: message.id,
            conversationKey: message.from,
            from: { id: message.from, name: names.get(message.from) ?? null, username: null },
            text,
            file,
            content,
            sentAt,
            replyToExternalId: message.context?.id ?? null,
          });
        }
        for (const status of value.statuses ?? []) {
          const error = status.errors?.[0];
          events.push({
            kind: 'status',
            externalId: status.id,
            status: status.status,
            at: new Date(Number(status.timestamp) * 1000).toISOString(),
            error: error ? whatsappError(error.code, error.message ?? error.title, error.error_data?.details) : null,
          });
        }
      }
    }
    return events;
  }
}

function mediaOf(message: WebhookMessage | undefined): Media | undefined {
  return message?.image ?? message?.video ?? message?.audio ?? message?.document ?? message?.sticker;
}

/**
 * The text and structured content of an inbound message by its `type`: media captions,
 * stickers and voice notes, locations, contact cards, button and list replies (their title
 * as the text, their id or payload kept), and every other type as `unsupported` with its name.
 */
function whatsappContent(message: WebhookMessage, media: Media | undefined): { text: string; content: MessageContent | null } {
  switch (message.type) {
    case 'text':
      return { text: message.text?.body ?? '', content: null };
    case 'image':
    case 'video':
    case 'document':
      return { text: media?.caption ?? '', content: null };
    case 'audio':
      return { text: '', content: media?.voice ? { type: 'voice' } : null };
    case 'sticker':
      return { text: '', content: { type: 'sticker', animated: media?.animated === true, emoji: null } };
    case 'location': {
      const at = message.location;
      if (!at) break;
      const content = {
        type: 'location' as const,
        latitude: at.latitude,
        longitude: at.longitude,
        name: at.name ?? null,
        address: at.address ?? null,
        url: at.url ?? null,
      };
      return { text: contentText(content), content };
    }
    case 'contacts': {
      const contacts = (message.contacts ?? []).slice(0, 50).map(contactCard);
      if (contacts.length === 0) break;
      const content = { type: 'contacts' as const, contacts };
      return { text: contentText(content), content };
    }
    case 'interactive': {
      const choice = message.interactive?.button_reply ?? message.interactive?.list_reply;
      if (!choice)
        return { text: '', content: { type: 'unsupported', platformType: `interactive.${message.interactive?.type ?? 'unknown'}` } };
      const description = 'description' in choice && typeof choice.description === 'string' ? choice.description : null;
      return { text: choice.title, content: { type: 'choice', payload: choice.id, title: choice.title, description } };
    }
    case 'button':
      if (!message.button) break;
      return {
        text: message.button.text,
        content: { type: 'choice', payload: message.button.payload, title: message.button.text, description: null },
      };
    case 'order':
      return { text: message.order?.text ?? '', content: { type: 'unsupported', platformType: 'order' } };
    case 'system':
      return {
        text: message.system?.body ?? '',
        content: { type: 'unsupported', platformType: `system.${message.system?.type ?? 'unknown'}` },
      };
  }
  const platformType =
    message.type === 'unsupported' || message.type === 'unknown' ? (message.unsupported?.type ?? message.type) : message.type;
  return { text: '', content: { type: 'unsupported', platformType: platformType || 'unknown' } };
}

/** A shared card within the model's bounds (20 phones and emails, names of 512): a card larger than that is cut, not refused. */
function contactCard(card: ContactCardPayload): ContactCard {
  const name = card.name?.formatted_name ?? [card.name?.first_name, card.name?.last_name].filter(Boolean).join(' ');
  return {
    name: (name || card.phones?.[0]?.phone || 'contact').slice(0, 512),
    phones: (card.phones ?? [])
      .map((p) => ({ phone: (p.phone ?? (p.wa_id ? `+${p.wa_id}` : '')).slice(0, 64), type: p.type?.slice(0, 64) ?? null }))
      .filter((p) => p.phone !== '')
      .slice(0, 20),
    emails: (card.emails ?? [])
      .map((e) => e.email)
      .filter((e): e is string => typeof e === 'string')
      .map((e) => e.slice(0, 512))
      .slice(0, 20),
    organization: card.org?.company?.slice(0, 512) ?? null,
  };
}

/**
 * A message template to send (`metadata.whatsapp.template = { name, language, components? }`,
 * https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates): the
 * only messages WhatsApp delivers outside the 24-hour customer service window.
 */
function templateOf(metadata: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const template = (metadata?.whatsapp as { template?: { name?: unknown; language?: unknown; components?: unknown } } | undefined)
    ?.template;
  if (!template || typeof template.name !== 'string') return undefined;
  const language = typeof template.language === 'string' ? { code: template.language } : (template.language ?? { code: 'en_US' });
  return { name: template.name, language, ...(Array.isArray(template.components) ? { components: template.components } : {}) };
}

const graphError = (error: GraphError['error']): ChannelError => whatsappError(error.code, error.message, error.error_data?.details);

/** Cloud API error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes) to our codes. */
export function whatsappError(code: number, message: string, details?: string): ChannelError {
  const platformCode = String(code);
  const text = details ? `${message}: ${details}` : message;
  const error = (ours: string, retry: ChannelError['retry']): ChannelError => ({ code: ours, platformCode, message: text, retry });
  // The token or the account's permissions are refused (0, 3, 10, 190, 200–299) or the account is locked (131031): nothing can be sent.
  if ((code >= 200 && code < 300) || code === 131031) return error('UNAUTHORIZED', 'hold');
  switch (code) {
    case 4:
    case 80007:
    case 130429:
    case 131048:
      return error('RATE_LIMITED', 'backoff');
    // Too many messages to this one user ("pair rate limit"): theirs to wait out, not the account's.
    case 131056:
      return { ...error('RATE_LIMITED', 'backoff'), scope: 'recipient' };
    // Meta held a marketing message back for this user: "wait at least 24 hours before resending".
    case 131049:
      return { ...error('NOT_DELIVERED', 'after'), retryAfterMs: 24 * 3_600_000, scope: 'recipient' };
    case 131047:
      return error('OUTSIDE_WINDOW', 'never');
    case 0:
    case 3:
    case 10:
    case 190:
      return error('UNAUTHORIZED', 'hold');
    case 131026:
    case 131030:
      return error('INVALID_RECIPIENT', 'never');
    case 1:
    case 2:
    case 131057:
    case 131000:
    case 131016:
    case 133004:
      return error('UNAVAILABLE', 'backoff');
    default:
      return error('BAD_REQUEST', 'never');
  }
}

function refused(code: string, message: string): SendResult {
  return { ok: false, error: { code, platformCode: null, message, retry: 'never' } };
}

/** The `location` or `contacts` object of a message sharing a place or contact cards. */
function whatsappContentBody(content: LocationContent | ContactsContent): Record<string, unknown> {
  if (content.type === 'location') {
    const { latitude, longitude, name, address } = content;
    return { type: 'location', location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } };
  }
  return {
    type: 'contacts',
    contacts: content.contacts.map((card) => ({
      name: { formatted_name: card.name, first_name: card.name },
      phones: card.phones.map((p) => ({ phone: p.phone, ...(p.type ? { type: p.type } : {}) })),
      emails: card.emails.map((email) => ({ email })),
      ...(card.organization ? { org: { company: card.organization } } : {}),
    })),
  };
}
