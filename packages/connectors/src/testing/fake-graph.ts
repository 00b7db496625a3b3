import { createHash } from 'node:crypto';
import { jsonServer, postMetaWebhook, type WebhookAnswer } from './json-server.js';

export type GraphFailure = { status: number; code: number; message: string; details?: string };

const DAY_MS = 24 * 3600_000;

export interface FakeGraphOptions {
  accessToken: string;
  phoneNumberId: string;
  /** @default 'v23.0' */
  version?: string;
  /** The business's number, as webhooks show it. @default '15550783881' */
  displayPhoneNumber?: string;
  /** Refuse free-form messages to a number that has not written in the last 24 hours (131047), as WhatsApp does. @default true */
  enforceWindow?: boolean;
  /** The fake's clock. @default Date.now */
  now?: () => number;
  /** Once subscribed: each accepted message is reported `delivered` after this many ms and `read` after twice that, as a phone would. */
  autoStatusMs?: number;
}

/**
 * The WhatsApp Cloud API on loopback, in its documented shapes
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages):
 * `POST /{version}/{phone-number-id}/messages` with a bearer token, answered with
 * `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id }] }` or a Graph API
 * error `{ error: { message, type, code, error_data: { messaging_product, details }, fbtrace_id } }`.
 * Free-form messages outside the customer service window fail with 131047.
 *
 * Once `subscribe`d to an app's webhook URL it posts the `messages` webhook as Meta does
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components), signed
 * with `X-Hub-Signature-256`: inbound messages from a number, and sent/delivered/read/failed
 * statuses of the messages it accepted.
 */
/**
 * The `messages` webhook body as Meta posts it
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components): one entry,
 * with a change per `value` given (its `contacts`, `messages` or `statuses`) beside the metadata.
 */
export function whatsappWebhook(
  values: Record<string, unknown> | Array<Record<string, unknown>>,
  account: { displayPhoneNumber?: string; phoneNumberId: string },
): Record<string, unknown> {
  const metadata = { display_phone_number: account.displayPhoneNumber ?? '15550783881', phone_number_id: account.phoneNumberId };
  const changes = (Array.isArray(values) ? values : [values]).map((value) => ({
    field: 'messages',
    value: { messaging_product: 'whatsapp', metadata, ...value },
  }));
  return { object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes }] };
}

export async function fakeGraph(options: FakeGraphOptions) {
  const version = options.version ?? 'v23.0';
  const now = options.now ?? Date.now;
  const displayPhoneNumber = options.displayPhoneNumber ?? '15550783881';
  const calls: Array<Record<string, unknown>> = [];
  const failures: GraphFailure[] = [];
  const lastInbound = new Map<string, number>();
  const statusesFirst: Array<'sent' | 'delivered' | 'read'> = [];
  let subscription: { url: string; appSecret: string } | null = null;
  let next = 1;
  let accessToken = options.accessToken;
  let nextInbound = 1;
  /**
   * Ids of the messages customers sent, each with its webhook `timestamp`: a redelivery of an
   * id is the same notification, so it carries the time the message was first sent.
   */
  const inboundIds = new Map<string, string>();
  /** The `timestamp` of message `id`: now for a new one, the first delivery's for a redelivery. */
  const sentAt = (id: string): string => {
    const known = inboundIds.get(id);
    if (known !== undefined) return known;
    const timestamp = String(Math.floor(now() / 1000));
    inboundIds.set(id, timestamp);
    return timestamp;
  };
  const reads: Array<{ messageId: string; typing: boolean }> = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string }>();
  /** Media the app uploaded, in order. */
  const uploads: Array<{ id: string; name: string; type: string; size: number }> = [];
  /** Reactions the app sent, in order (`emoji` "" takes one back). */
  const reactions: Array<{ to: string; messageId: string; emoji: string }> = [];
  let nextMedia = 1003383421387000;
  const server = await jsonServer((request, raw, answer, bytes) => {
    const fail = ({ status, code, message, details }: GraphFailure) =>
      answer(status, {
        error: {
          message,
          type: 'OAuthException',
          code,
          error_data: { messaging_product: 'whatsapp', details: details ?? message },
          fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
        },
      });
    if (request.headers.authorization !== `Bearer ${accessToken}`)
      return fail({ status: 401, code: 190, message: 'Error validating access token: Session has expired' });
    // Media a customer sent: GET /{version}/{media-id} → a URL, then the bytes from it (same token).
    const mediaInfo = new RegExp(`^/${version}/(\\d+)$`).exec(request.url ?? '');
    if (request.method === 'GET' && mediaInfo) {
      const item = media.get(mediaInfo[1] as string);
      if (!item) return fail({ status: 400, code: 100, message: 'Unsupported get request. Object does not exist' });
      return answer(200, {
        messaging_product: 'whatsapp',
        url: `${server.url}/whatsapp_business/attachments/?mid=${mediaInfo[1]}`,
        mime_type: item.mimeType,
        sha256: createHash('sha256').update(item.bytes).digest('hex'),
        file_size: item.bytes.length,
        id: mediaInfo[1],
      });
    }
    const download = /^\/whatsapp_business\/attachments\/\?mid=(\d+)$/.exec(request.url ?? '');
    if (request.method === 'GET' && download) {
      const item = media.get(download[1] as string);
      return item ? answer(200, item.bytes, item.mimeType) : answer(404, { error: 'not found' });
    }
    // Media upload: multipart `file`, `type`, `messaging_product`, answered with the media id.
    if (request.method === 'POST' && request.url === `/${version}/${options.phoneNumberId}/media`) {
      void new Response(new Uint8Array(bytes), { headers: { 'content-type': String(request.headers['content-type']) } })
        .formData()
        .then(async (form) => {
          const file = form.get('file');
          if (form.get('messaging_product') !== 'whatsapp' || !(file instanceof Blob) || typeof form.get('type') !== 'string')
            return fail({ status: 400, code: 100, message: '(#100) The parameter file, type or messaging_product is missing' });
          const id = String(nextMedia++);
          media.set(id, { bytes: Buffer.from(await file.arrayBuffer()), mimeType: String(form.get('type')) });
          uploads.push({ id, name: (file as File).name, type: String(form.get('type')), size: file.size });
          answer(200, { id });
        })
        .catch(() => fail({ status: 400, code: 100, message: '(#100) Invalid multipart body' }));
      return;
    }
    if (request.method !== 'POST' || request.url !== `/${version}/${options.phoneNumberId}/messages`)
      return fail({ status: 400, code: 100, message: 'Unsupported post request' });
    const body = JSON.parse(raw) as Record<string, unknown>;
    // Marking a customer's message read, with the typing indicator or without
    // (https://developers.facebook.com/docs/whatsapp/cloud-api/typing-indicators): answered `{ success: true }`.
    if (body.status === 'read') {
      if (body.messaging_product !== 'whatsapp' || typeof body.message_id !== 'string' || !inboundIds.has(body.message_id))
        return fail({ status: 400, code: 100, message: '(#100) Invalid parameter', details: 'message_id' });
      reads.push({ messageId: body.message_id, typing: (body.typing_indicator as { type?: string } | undefined)?.type === 'text' });
      return answer(200, { success: true });
    }
    calls.push(body);
    const injected = failures.shift();
    if (injected) return fail(injected);
    if (body.messaging_product !== 'whatsapp')
      return fail({ status: 400, code: 100, message: '(#100) The parameter messaging_product is required.' });
    if (typeof body.to !== 'string' || !/^\+?\d{8,15}$/.test(body.to))
      return fail({ status: 400, code: 100, message: '(#100) Invalid parameter', details: 'to' });
    const type = body.type as string;
    const content = body[type] as Record<string, unknown> | undefined;
    if (!content) return fail({ status: 400, code: 100, message: `(#100) Param ${type} is required` });
    if (type === 'text' && (typeof content.body !== 'string' || content.body.length === 0))
      return fail({ status: 400, code: 100, message: '(#100) Param text[body] is required' });
    if (type === 'template' && (typeof content.name !== 'string' || typeof (content.language as { code?: unknown })?.code !== 'string'))
      return fail({ status: 400, code: 100, message: '(#100) Param template[name] and template[language][code] are required' });
    // A reaction to a message of the chat (https://developers.facebook.com/docs/whatsapp/cloud-api/messages/reaction-messages):
    // an emoji, or "" to take it back; answered with the reaction's own id.
    if (type === 'reaction') {
      if (typeof content.message_id !== 'string' || typeof content.emoji !== 'string')
        return fail({ status: 400, code: 100, message: '(#100) Param reaction[message_id] and reaction[emoji] are required' });
      reactions.push({ to: String(body.to), messageId: content.message_id, emoji: content.emoji });
      return answer(200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: `wamid.reaction${next++}` }],
      });
    }
    // Location messages need latitude and longitude; contacts messages a name.formatted_name per contact
    // (https://developers.facebook.com/docs/whatsapp/cloud-api/messages/location-messages, /contacts-messages).
    const structured = type === 'location' || type === 'contacts';
    if (type === 'location' && (typeof content.latitude !== 'number' || typeof content.longitude !== 'number'))
      return fail({ status: 400, code: 100, message: '(#100) Param location[latitude] and location[longitude] are required' });
    if (
      type === 'contacts' &&
      (!Array.isArray(content) ||
        content.length === 0 ||
        content.some((c: { name?: { formatted_name?: unknown } }) => typeof c.name?.formatted_name !== 'string'))
    )
      return fail({ status: 400, code: 100, message: '(#100) Param contacts[0][name][formatted_name] is required' });
    if (!structured && type !== 'text' && type !== 'template' && typeof content.link !== 'string' && !media.has(String(content.id)))
      return fail({ status: 400, code: 100, message: `(#100) Param ${type}[link] or a valid ${type}[id] is required` });
    // Text bodies up to 4,096 characters; captions up to 1,024, on images, videos and documents only
    // (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#text-object, #media-object).
    if (type === 'text' && [...(content.body as string)].length > 4096)
      return fail({ status: 400, code: 100, message: '(#100) Param text[body] must be at most 4096 characters long' });
    if (content.caption !== undefined && (!['image', 'video', 'document'].includes(type) || [...String(content.caption)].length > 1024))
      return fail({ status: 400, code: 100, message: `(#100) Param ${type}[caption] is invalid` });
    // An uploaded image must be JPEG or PNG ("Supported media types"); anything else fails as a media upload error.
    const uploaded = media.get(String(content.id));
    if (type === 'image' && uploaded && !['image/jpeg', 'image/png'].includes(uploaded.mimeType))
      return fail({ status: 400, code: 131053, message: 'Media upload error', details: `Unsupported image type ${uploaded.mimeType}` });
    const waId = String(body.to).replace('+', '');
    const since = lastInbound.get(waId);
    if (type !== 'template' && options.enforceWindow !== false && (since === undefined || now() - since > DAY_MS))
      return fail({
        status: 400,
        code: 131047,
        message: 'Re-engagement message',
        details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
      });
    const id = `wamid.HBgLMTU1NTA${String(next++).padStart(4, '0')}`;
    const early = statusesFirst.splice(0);
    if (early.length > 0) {
      // The race WhatsApp can produce: status webhooks reach the app before the send's answer does.
      void (async () => {
        for (const status of early) await fake.status(id, status, waId).catch(() => {});
        answer(200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: waId }], messages: [{ id }] });
      })();
      return;
    }
    answer(200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: waId }], messages: [{ id }] });
    const delay = options.autoStatusMs;
    if (delay !== undefined && subscription) {
      setTimeout(() => void fake.status(id, 'delivered', waId).catch(() => {}), delay).unref();
      setTimeout(() => void fake.status(id, 'read', waId).catch(() => {}), delay * 2).unref();
    }
  });

  const post = (value: Record<string, unknown>): Promise<WebhookAnswer> => {
    if (!subscription) throw new Error('fakeGraph: subscribe(url, appSecret) first');
    const body = whatsappWebhook(value, { displayPhoneNumber, phoneNumberId: options.phoneNumberId });
    return postMetaWebhook(subscription.url, subscription.appSecret, body);
  };

  const fake = {
    /** The business renews its token: from now on only `token` is taken, the old one is expired (code 190). */
    rotateToken(token: string) {
      accessToken = token;
    },
    url: server.url,
    reads,
    /** Request bodies the fake accepted or refused, in order. */
    calls,
    uploads,
    reactions,
    /** The bytes of uploaded (or received) media. */
    mediaBytes: (id: string) => media.get(id)?.bytes,
    /** The next calls fail like this, in order. */
    failNext(...next: GraphFailure[]) {
      failures.push(...next);
    },
    /** The next accepted message is reported with these statuses by webhook before its send is answered. */
    statusesBeforeAnswer(...statuses: Array<'sent' | 'delivered' | 'read'>) {
      statusesFirst.push(...statuses);
    },
    /** Opens (or, with an old time, closes) the 24-hour window of a number, as if it had written then. */
    openWindow(waId: string, at = now()) {
      lastInbound.set(waId, at);
    },
    /** Where webhooks go, and the app secret they are signed with. */
    subscribe(url: string, appSecret: string) {
      subscription = { url, appSecret };
    },
    /** A customer writes: the `messages` webhook with a text (or a reply), posted to the subscribed URL. */
    inbound(message: {
      from: string;
      name?: string;
      text: string;
      id?: string;
      replyTo?: string;
    }): Promise<WebhookAnswer & { id: string }> {
      const id = message.id ?? `wamid.IN${String(nextInbound++).padStart(6, '0')}`;
      const timestamp = sentAt(id);
      lastInbound.set(message.from, now());
      return post({
        contacts: [{ profile: { name: message.name ?? 'Customer' }, wa_id: message.from }],
        messages: [
          {
            from: message.from,
            id,
            timestamp,
            type: 'text',
            text: { body: message.text },
            ...(message.replyTo ? { context: { from: displayPhoneNumber, id: message.replyTo } } : {}),
          },
        ],
      }).then((answer) => ({ ...answer, id }));
    },
    /**
     * A customer sends a message of any type, given as the webhook reference shows its object
     * (`type` and its field: `location`, `contacts`, `interactive`, `button`, `sticker`…);
     * `from`, `id` and `timestamp` are filled in when absent.
     */
    inboundMessage(message: {
      from: string;
      name?: string;
      type: string;
      [field: string]: unknown;
    }): Promise<WebhookAnswer & { id: string }> {
      const { name, ...rest } = message;
      const id = typeof rest.id === 'string' ? rest.id : `wamid.IN${String(nextInbound++).padStart(6, '0')}`;
      const timestamp = sentAt(id);
      lastInbound.set(message.from, now());
      return post({
        contacts: [{ profile: { name: name ?? 'Customer' }, wa_id: message.from }],
        messages: [{ id, timestamp, ...rest }],
      }).then((answer) => ({ ...answer, id }));
    },
    /** A customer sends an image or a document (the bytes are served at the media URL the Graph API gives). */
    inboundMedia(message: {
      from: string;
      name?: string;
      kind: 'image' | 'document' | 'audio' | 'video' | 'sticker';
      bytes: Buffer;
      mimeType: string;
      filename?: string;
      caption?: string;
      /** Other fields of the media object (`voice: true` on audio, `animated` on a sticker). */
      extra?: Record<string, unknown>;
    }): Promise<WebhookAnswer & { id: string; mediaId: string }> {
      const id = `wamid.IN${String(nextInbound++).padStart(6, '0')}`;
      const timestamp = sentAt(id);
      const mediaId = String(nextMedia++);
      media.set(mediaId, { bytes: message.bytes, mimeType: message.mimeType });
      lastInbound.set(message.from, now());
      const sha256 = createHash('sha256').update(message.bytes).digest('base64');
      const content = {
        id: mediaId,
        mime_type: message.mimeType,
        sha256,
        ...(message.caption ? { caption: message.caption } : {}),
        ...(message.filename ? { filename: message.filename } : {}),
        ...message.extra,
      };
      return post({
        contacts: [{ profile: { name: message.name ?? 'Customer' }, wa_id: message.from }],
        messages: [{ from: message.from, id, timestamp, type: message.kind, [message.kind]: content }],
      }).then((answer) => ({ ...answer, id, mediaId }));
    },
    /** A status of a message the fake accepted: the `statuses` webhook. */
    status(
      id: string,
      status: 'sent' | 'delivered' | 'read' | 'failed',
      recipientId: string,
      error?: { code: number; title: string; details?: string },
    ): Promise<WebhookAnswer> {
      return post({
        statuses: [
          {
            id,
            status,
            timestamp: String(Math.floor(now() / 1000)),
            recipient_id: recipientId,
            ...(error
              ? {
                  errors: [
                    { code: error.code, title: error.title, message: error.title, error_data: { details: error.details ?? error.title } },
                  ],
                }
              : {}),
          },
        ],
      });
    },
    close: server.close,
  };
  return fake;
}

export type FakeGraph = Awaited<ReturnType<typeof fakeGraph>>;
