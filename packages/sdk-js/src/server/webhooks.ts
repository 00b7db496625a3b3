import type { ChannelHealth, Contact, Report, ServerFrame } from '@chat4all/protocol';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { Chat4AllError } from '../errors.js';

/** The event types an app webhook can carry (`events` of `POST /v1/webhooks`). */
export type AppWebhookEventType =
  | 'message.created'
  | 'message.updated'
  | 'message.deleted'
  | 'reaction.updated'
  | 'pin.updated'
  | 'delivery.updated'
  | 'receipt'
  | 'conversation.created'
  | 'conversation.updated'
  | 'member.added'
  | 'member.updated'
  | 'member.removed'
  | 'contact.created'
  | 'channel.health'
  | 'report.created';

/** The frame of that type as clients get it, without its `type`: what a call's `data` is. */
type FrameData<T extends AppWebhookEventType> = Omit<Extract<ServerFrame, { type: T }>, 'type'>;

type DataOf<T extends AppWebhookEventType> = T extends 'contact.created'
  ? { contact: Contact }
  : T extends 'channel.health'
    ? { channel: ChannelHealth }
    : T extends 'report.created'
      ? { report: Report }
      : FrameData<T>;

/**
 * One verified call: the body the relay signed (`type`, `timestamp`, `data`) with the call's
 * `webhook-id`, the same on every retry of one event: drop an id already handled.
 */
export type AppWebhookEvent = {
  [T in AppWebhookEventType]: { id: string; type: T; timestamp: string; data: DataOf<T> };
}[AppWebhookEventType];

/** Request headers as Node, Express and Fastify give them, or a fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Checks a call's Standard Webhooks signature against the endpoint's secret (`whsec_…`, from
 * `POST /v1/webhooks`) and returns its event. `body` must be the raw bytes received, before
 * any JSON parsing. A wrong or missing signature, or a timestamp more than 5 minutes off,
 * throws `Chat4AllError` `WEBHOOK_SIGNATURE_INVALID` (answer 401: the relay does not retry it).
 */
export function verifyWebhook(secret: string, request: { headers: WebhookHeaders; body: string | Uint8Array }): AppWebhookEvent {
  return verifyWith(new Webhook(secret), request);
}

function verifyWith(webhook: Webhook, request: { headers: WebhookHeaders; body: string | Uint8Array }): AppWebhookEvent {
  const headers: Record<string, string> = {};
  for (const name of SIGNED_HEADERS) {
    const value = request.headers instanceof Headers ? request.headers.get(name) : request.headers[name];
    const single = Array.isArray(value) ? value[0] : value;
    if (typeof single !== 'string') throw invalid(`The ${name} header is missing`);
    headers[name] = single;
  }
  const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
  try {
    const signed = webhook.verify(body, headers) as Omit<AppWebhookEvent, 'id'>;
    return { id: headers['webhook-id'], ...signed } as AppWebhookEvent;
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw invalid(error.message, error);
    throw error;
  }
}

function invalid(message: string, cause?: unknown): Chat4AllError {
  return new Chat4AllError('WEBHOOK_SIGNATURE_INVALID', `Not a call from the relay: ${message}`, { retryable: false, cause });
}

/** What to do with a verified event; a throw (or a rejected promise) answers 500, so the relay calls again later. */
export type WebhookListener = (event: AppWebhookEvent) => unknown;

/** The parts of Node's `IncomingMessage` a handler reads. */
interface NodeRequest extends AsyncIterable<unknown> {
  headers: Record<string, string | string[] | undefined>;
  /** Set by body parsers (`express.raw()`, `express.text()`); parsed JSON cannot be verified. */
  body?: unknown;
}

/** The parts of Node's `ServerResponse` a handler writes. */
interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** Bodies above this are refused (413) before they are read whole. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * A handler for Node's `http.createServer` (and anything that passes Node's request and
 * response, Express included): verifies each call, runs `listener`, and answers `204`; `401`
 * for a call that is not the relay's, `413` for a body over 4 MiB, `500` when the listener
 * throws. With Express, mount it before any JSON body parser, or behind `express.raw({ type:
 * 'application/json' })`: the signature covers the bytes as sent.
 */
export function webhookHandler(secret: string, listener: WebhookListener): (request: NodeRequest, response: NodeResponse) => Promise<void> {
  // Made here, so a malformed secret fails when the handler is made rather than on every call.
  const webhook = new Webhook(secret);
  return async (request, response) => {
    const answer = await bodyOf(request).then(
      (body) =>
        body === null
          ? { status: 413, body: { code: 'PAYLOAD_TOO_LARGE', message: 'The body is over 4 MiB', retryable: false } }
          : take(webhook, listener, request.headers, body),
      (error: unknown) => ({
        status: 500,
        body: { code: 'INTERNAL', message: String((error as Error)?.message ?? error), retryable: true },
      }),
    );
    response.statusCode = answer.status;
    if (!answer.body) return void response.end();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(answer.body));
  };
}

/**
 * The raw body: what a raw or text body parser kept, or the stream read here. A body another
 * parser already turned into an object cannot be verified: that is the app's mistake, answered
 * 500 (retried) rather than 401 (which the relay would not retry).
 */
async function bodyOf(request: NodeRequest): Promise<string | Uint8Array | null> {
  if (request.body instanceof Uint8Array || typeof request.body === 'string') return request.body;
  if (request.body !== undefined && request.body !== null && !(typeof request.body === 'object' && Object.keys(request.body).length === 0))
    throw new Error('The body was parsed before the webhook handler: mount it before any JSON body parser, or behind express.raw()');
  return readBody(request);
}

/** A call verified and handed to the listener: the status to answer, and the error body of a refusal. */
async function take(
  webhook: Webhook,
  listener: WebhookListener,
  headers: WebhookHeaders,
  body: string | Uint8Array,
): Promise<{ status: number; body?: { code: string; message: string; retryable: boolean } }> {
  let event: AppWebhookEvent;
  try {
    event = verifyWith(webhook, { headers, body });
  } catch (error) {
    if (error instanceof Chat4AllError) return { status: 401, body: { code: error.code, message: error.message, retryable: false } };
    return { status: 500, body: { code: 'INTERNAL', message: 'The call could not be verified', retryable: true } };
  }
  try {
    await listener(event);
  } catch {
    return { status: 500, body: { code: 'INTERNAL', message: 'The listener failed; the relay will call again', retryable: true } };
  }
  return { status: 204 };
}

async function readBody(request: AsyncIterable<unknown>): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
    size += bytes.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(bytes);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** The parts of a Fastify instance the plugin uses, so this package does not depend on Fastify. */
interface FastifyLike {
  removeContentTypeParser(type: string): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  post(
    path: string,
    handler: (
      request: { headers: Record<string, string | string[] | undefined>; body: unknown },
      reply: { code(status: number): { send(body?: unknown): unknown } },
    ) => Promise<unknown>,
  ): void;
}

/**
 * A Fastify plugin that takes the relay's calls at `path`: `app.register(fastifyWebhook({
 * path: '/chat4all-events', secret, listener }))`. It reads JSON bodies raw inside its own
 * encapsulated context (other routes keep Fastify's parser) and answers as `webhookHandler`.
 */
export function fastifyWebhook(options: { path: string; secret: string; listener: WebhookListener }) {
  const webhook = new Webhook(options.secret);
  return async function chat4allWebhook(app: FastifyLike): Promise<void> {
    // Inside this plugin's own context only: the app's JSON parser (its own, if it set one) stays for its other routes.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) =>
      done(null, body),
    );
    app.post(options.path, async (request, reply) => {
      const answer = await take(webhook, options.listener, request.headers, (request.body as Buffer | undefined) ?? '');
      return reply.code(answer.status).send(answer.body);
    });
  };
}
