import { jsonServer, postMetaWebhook, type WebhookAnswer } from './json-server.js';

export type MetaSendFailure = { status: number; code: number; subcode?: number; message: string };

/**
 * A person's profile as the User Profile API gives it: Messenger `first_name`, `last_name`
 * (and `name`, `profile_pic`); Instagram `name` (null when they set none), `username`,
 * `profile_pic`. The fake answers the fields asked for that the profile has.
 */
export interface MetaProfile {
  first_name?: string;
  last_name?: string;
  name?: string | null;
  username?: string;
  profile_pic?: string | null;
}

/**
 * The fields each User Profile API documents: Messenger
 * (https://developers.facebook.com/docs/messenger-platform/identity/user-profile) and Instagram
 * (https://developers.facebook.com/docs/messenger-platform/instagram/features/user-profile).
 */
const PROFILE_FIELDS = {
  messenger: ['id', 'name', 'first_name', 'last_name', 'profile_pic', 'locale', 'timezone', 'gender'],
  instagram: [
    'id',
    'name',
    'username',
    'profile_pic',
    'is_verified_user',
    'follower_count',
    'is_user_follow_business',
    'is_business_follow_user',
  ],
} as const;

const DAY_MS = 24 * 3600_000;

export interface FakeMetaSendOptions {
  channel: 'messenger' | 'instagram';
  accessToken: string;
  /** The Page id (Messenger) or Instagram account id. */
  accountId: string;
  /** @default 'v23.0' */
  version?: string;
  /** Refuse messages to someone who has not written in the last 24 hours (10/2018278), as Meta does. @default true */
  enforceWindow?: boolean;
  now?: () => number;
  /** Once subscribed: each accepted message is reported delivered (Messenger) after this many ms and read after twice that. */
  autoStatusMs?: number;
  /** The people the User Profile API knows, by PSID or IGSID (more with `setProfile`). */
  profiles?: Record<string, MetaProfile>;
}

/**
 * The Meta Send API on loopback, as Messenger and Instagram messaging document it
 * (https://developers.facebook.com/docs/messenger-platform/reference/send-api): `POST
 * /{version}/{account-id}/messages` with a bearer token and `{ recipient: { id },
 * messaging_type, message: { text } | { attachment: { type, payload: { url } } } }`, answered
 * `{ recipient_id, message_id }` or a Graph API error. Once `subscribe`d it posts signed
 * `messaging` webhooks: messages from a person, deliveries (Messenger) and reads. `GET
 * /{version}/{person-id}?fields=…` is the User Profile API, for the people given `profiles`.
 */
export async function fakeMetaSend(options: FakeMetaSendOptions) {
  const version = options.version ?? 'v23.0';
  const now = options.now ?? Date.now;
  const calls: Array<Record<string, unknown>> = [];
  /** The sender actions the app sent (mark_seen, typing_on, typing_off, react, unreact with their payload), in order. */
  const actions: Array<{ recipient: string; action: string; payload?: { message_id?: string; reaction?: string } }> = [];
  const failures: MetaSendFailure[] = [];
  const lastInbound = new Map<string, number>();
  const profiles = new Map<string, MetaProfile>(Object.entries(options.profiles ?? {}));
  /** The User Profile API calls the app made: the person's id and the fields asked for. */
  const profileLookups: Array<{ id: string; fields: string[] }> = [];
  let subscription: { url: string; appSecret: string } | null = null;
  let next = 1;
  const server = await jsonServer((request, raw, answer) => {
    const fail = ({ status, code, subcode, message }: MetaSendFailure) =>
      answer(status, {
        error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: 'AbcDeFgHiJ' },
      });
    if (request.method === 'GET') return profile(request.url ?? '/', request.headers.authorization, answer);
    if (request.headers.authorization !== `Bearer ${options.accessToken}`)
      return fail({ status: 401, code: 190, message: 'Invalid OAuth access token.' });
    if (request.method !== 'POST' || request.url !== `/${version}/${options.accountId}/messages`)
      return fail({ status: 400, code: 100, message: 'Unsupported post request.' });
    const body = JSON.parse(raw) as {
      recipient?: { id?: string };
      messaging_type?: string;
      tag?: string;
      sender_action?: string;
      payload?: { message_id?: string; reaction?: string };
      message?: Record<string, unknown>;
    };
    // Sender actions (https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions): answered `{ recipient_id }`.
    if (body.sender_action !== undefined) {
      if (!['mark_seen', 'typing_on', 'typing_off', 'react', 'unreact'].includes(body.sender_action) || !body.recipient?.id)
        return fail({
          status: 400,
          code: 100,
          message: '(#100) Param sender_action must be one of {MARK_SEEN, TYPING_ON, TYPING_OFF, REACT, UNREACT}',
        });
      // `react` takes `payload: { message_id, reaction }` (any emoji); `unreact` the message_id only.
      if (body.sender_action === 'react' || body.sender_action === 'unreact') {
        const { message_id: mid, reaction } = body.payload ?? {};
        if (typeof mid !== 'string' || (body.sender_action === 'react') !== (typeof reaction === 'string'))
          return fail({ status: 400, code: 100, message: '(#100) Param payload[message_id] is required; payload[reaction] only to react' });
      }
      actions.push({
        recipient: body.recipient.id,
        action: body.sender_action,
        ...(body.payload ? { payload: body.payload } : {}),
      });
      return answer(200, { recipient_id: body.recipient.id });
    }
    calls.push(body);
    const injected = failures.shift();
    if (injected) return fail(injected);
    const recipient = body.recipient?.id;
    if (!recipient) return fail({ status: 400, code: 100, message: '(#100) The parameter recipient is required' });
    if (options.channel === 'messenger' && !body.messaging_type)
      return fail({ status: 400, code: 100, message: '(#100) The parameter messaging_type is required' });
    const message = body.message ?? {};
    const attachment = message.attachment as { type?: string; payload?: { url?: string } } | undefined;
    if (typeof message.text !== 'string' && !attachment?.payload?.url)
      return fail({ status: 400, code: 100, message: '(#100) Param message must be non-empty text or an attachment' });
    // Messenger: text under 2,000 characters; Instagram: 1,000 bytes of UTF-8 (Send API reference, Instagram messaging API).
    if (typeof message.text === 'string') {
      const [size, limit] = options.channel === 'instagram' ? [Buffer.byteLength(message.text), 1000] : [[...message.text].length, 2000];
      if (size > limit)
        return fail({ status: 400, code: 100, message: `(#100) Length of param message[text] must be less than or equal to ${limit}` });
    }
    const since = lastInbound.get(recipient);
    if (since === undefined) return fail({ status: 400, code: 100, subcode: 2018001, message: '(#100) No matching user found' });
    // Within 24 hours of the person's last message; a human agent's reply (tag HUMAN_AGENT) within 7 days.
    const humanAgent = body.messaging_type === 'MESSAGE_TAG' && body.tag === 'HUMAN_AGENT';
    if (options.enforceWindow !== false && now() - since > (humanAgent ? 7 * DAY_MS : DAY_MS))
      return fail({
        status: 400,
        code: 10,
        subcode: options.channel === 'instagram' ? 2534022 : 2018278,
        message:
          '(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview',
      });
    const id = `m_${options.channel === 'instagram' ? 'aWdfZAG1' : 'AG5Hz2U'}${String(next++).padStart(6, '0')}`;
    answer(200, { recipient_id: recipient, message_id: id });
    const delay = options.autoStatusMs;
    if (delay !== undefined && subscription) {
      if (options.channel === 'messenger') setTimeout(() => void fake.delivered(recipient, [id]).catch(() => {}), delay).unref();
      setTimeout(() => void fake.read(recipient, id).catch(() => {}), delay * 2).unref();
    }
  });

  /**
   * The User Profile API: `GET /{version}/{PSID | IGSID}?fields=…` with the token as a bearer
   * header or, as Meta's samples send it, `access_token`. Answers the fields asked for and the id;
   * refuses a field the channel's profile does not have, and an id it does not know.
   */
  function profile(path: string, authorization: string | undefined, answer: (status: number, body: unknown) => void) {
    const url = new URL(path, 'http://fake');
    // Graph API errors (https://developers.facebook.com/docs/graph-api/guides/error-handling): `{ error: { message, type, code, error_subcode?, fbtrace_id } }`.
    const fail = (status: number, error: Record<string, unknown>) => answer(status, { error: { ...error, fbtrace_id: 'AbcDeFgHiJ' } });
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : url.searchParams.get('access_token');
    if (token !== options.accessToken) return fail(401, { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 });
    const [, at, id, more] = url.pathname.split('/');
    const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    if (at !== version || !id || more !== undefined || fields.length === 0)
      return fail(400, { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100 });
    profileLookups.push({ id, fields });
    const known: readonly string[] = PROFILE_FIELDS[options.channel];
    const unknownField = fields.find((field) => !known.includes(field));
    if (unknownField !== undefined)
      return fail(400, {
        message: `(#100) Tried accessing nonexisting field (${unknownField}) on node type (User)`,
        type: 'OAuthException',
        code: 100,
      });
    const person = profiles.get(id);
    // An id the API cannot read (unknown, no consent, missing permission) answers Graph's generic 100 / 33, as reported in
    // https://github.com/facebookarchive/php-graph-sdk/issues/999 and https://github.com/roughike/flutter_facebook_login/issues/44.
    if (!person)
      return fail(400, {
        message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
      });
    // Messenger answers e.g. `{ "first_name": "Peter", "last_name": "Chang", "profile_pic": "https://…", "id": "…" }`
    // (https://developers.facebook.com/docs/messenger-platform/identity/user-profile); Instagram `{ "name": "Peter Chang",
    // "username": "peter_chang_live", "profile_pic": "https://…", … }`
    // (https://developers.facebook.com/docs/messenger-platform/instagram/features/user-profile).
    const values: Record<string, unknown> = { ...person };
    answer(200, { ...Object.fromEntries(fields.filter((field) => field in values).map((field) => [field, values[field]])), id });
  }

  const post = (messaging: Record<string, unknown>, time = now()): Promise<WebhookAnswer> => {
    if (!subscription) throw new Error('fakeMetaSend: subscribe(url, appSecret) first');
    return postMetaWebhook(subscription.url, subscription.appSecret, {
      object: options.channel === 'messenger' ? 'page' : 'instagram',
      entry: [{ id: options.accountId, time, messaging: [{ recipient: { id: options.accountId }, timestamp: time, ...messaging }] }],
    });
  };
  let nextInbound = 1;
  /** When each message a person sent was sent: a redelivery of a `mid` is the same event, with its first time. */
  const inboundTimes = new Map<string, number>();

  const fake = {
    url: server.url,
    calls,
    actions,
    /** The User Profile API calls the app made, in order. */
    profileLookups,
    /** What the User Profile API answers for a person (a PSID or IGSID); null forgets them. */
    setProfile(personId: string, profile: MetaProfile | null) {
      if (profile) profiles.set(personId, profile);
      else profiles.delete(personId);
    },
    failNext(...next: MetaSendFailure[]) {
      failures.push(...next);
    },
    /** As if the person had last written at `at`: opens or (with an old time) closes their 24-hour window. */
    openWindow(personId: string, at = now()) {
      lastInbound.set(personId, at);
    },
    subscribe(url: string, appSecret: string) {
      subscription = { url, appSecret };
    },
    /** A person writes (a page-scoped or Instagram-scoped id). */
    inbound(message: { from: string; text: string; mid?: string; replyTo?: string }): Promise<WebhookAnswer & { mid: string }> {
      const mid = message.mid ?? `m_in${String(nextInbound++).padStart(6, '0')}`;
      const time = inboundTimes.get(mid) ?? now();
      inboundTimes.set(mid, time);
      lastInbound.set(message.from, now());
      return post(
        {
          sender: { id: message.from },
          message: { mid, text: message.text, ...(message.replyTo ? { reply_to: { mid: message.replyTo } } : {}) },
        },
        time,
      ).then((answer) => ({ ...answer, mid }));
    },
    /**
     * Any `messaging` event from a person, as the webhook reference shows it (`message` with
     * quick replies, attachments or `is_deleted`, `postback`, `reaction`, `message_edit`…).
     */
    event(personId: string, event: Record<string, unknown>): Promise<WebhookAnswer> {
      lastInbound.set(personId, now());
      return post({ sender: { id: personId }, ...event });
    },
    /** Messenger's delivery webhook for messages the Page sent. */
    delivered(personId: string, mids: string[]): Promise<WebhookAnswer> {
      return post({ sender: { id: personId }, delivery: { mids, watermark: now() } });
    },
    /** A read: Messenger says everything before a time was read; Instagram names the message. */
    read(personId: string, mid?: string): Promise<WebhookAnswer> {
      return post({ sender: { id: personId }, read: options.channel === 'instagram' && mid ? { mid } : { watermark: now() } });
    },
    close: server.close,
  };
  return fake;
}

export type FakeMetaSend = Awaited<ReturnType<typeof fakeMetaSend>>;
