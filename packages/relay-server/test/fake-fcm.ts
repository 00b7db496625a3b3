import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

/**
 * Google's OAuth 2.0 token endpoint and Firebase Cloud Messaging's HTTP v1 API on a loopback
 * port, checking what the relay sends as they would:
 *
 * - The token endpoint (`POST /token`), the JWT bearer grant for a service account
 *   (https://developers.google.com/identity/protocols/oauth2/service-account#httprest, RFC 7523):
 *   form fields `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and `assertion`, a JWT
 *   signed RS256 with the service account's private key (verified here with its public key),
 *   `iss` the account's `client_email`, `aud` the token URI, `scope` naming
 *   `https://www.googleapis.com/auth/firebase.messaging`, `exp` at most an hour after `iat`.
 *   Answers `{ access_token, expires_in, token_type: "Bearer" }`, or `400 { error: "invalid_grant" }`.
 * - `POST /v1/projects/{projectId}/messages:send`
 *   (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send) with
 *   `Authorization: Bearer <access token>` and `{ message: { token, data, android, apns } }`,
 *   `data` a map of strings (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages#Message).
 *   Answers `200 { name: "projects/{projectId}/messages/{id}" }`, or an error as
 *   https://firebase.google.com/docs/cloud-messaging/error-codes shows them.
 */

/** The FCM errors a token can be made to answer (https://firebase.google.com/docs/cloud-messaging/error-codes). */
export type FcmAnswer =
  | 'UNREGISTERED'
  | 'INVALID_ARGUMENT'
  | 'MESSAGE_TOO_BIG'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'SENDER_ID_MISMATCH';

const ERRORS: Record<FcmAnswer, { code: number; status: string }> = {
  UNREGISTERED: { code: 404, status: 'NOT_FOUND' },
  INVALID_ARGUMENT: { code: 400, status: 'INVALID_ARGUMENT' },
  MESSAGE_TOO_BIG: { code: 400, status: 'INVALID_ARGUMENT' },
  QUOTA_EXCEEDED: { code: 429, status: 'RESOURCE_EXHAUSTED' },
  UNAVAILABLE: { code: 503, status: 'UNAVAILABLE' },
  INTERNAL: { code: 500, status: 'INTERNAL' },
  SENDER_ID_MISMATCH: { code: 403, status: 'PERMISSION_DENIED' },
};

export interface ReceivedFcmMessage {
  /** The device token the message was for. */
  token: string;
  headers: IncomingHttpHeaders;
  message: Record<string, unknown>;
  problems: string[];
  /** When it arrived (ms since the epoch). */
  at: number;
}

export class FakeFcm {
  readonly projectId = 'chat4all-test';
  readonly received: ReceivedFcmMessage[] = [];
  /** Every token request, with what was wrong with it. */
  readonly tokenRequests: Array<{ problems: string[] }> = [];
  readonly #publicKey: KeyObject;
  readonly #privateKey: KeyObject;
  readonly #answers = new Map<string, Array<FcmAnswer | { answer: FcmAnswer; retryAfter: string }>>();
  readonly #accessTokens = new Set<string>();
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  #server: Server | undefined;
  #origin = '';

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#publicKey = publicKey;
    this.#privateKey = privateKey;
  }

  get url(): string {
    return this.#origin;
  }

  /**
   * A service account key JSON, as the Firebase console gives it (its key a PKCS #8 PEM), whose
   * `token_uri` is this fake; or with the key as a PKCS #1 PEM (`BEGIN RSA PRIVATE KEY`).
   */
  serviceAccount(keyFormat: 'pkcs8' | 'pkcs1' = 'pkcs8'): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: 'key-1',
      private_key: this.#privateKey.export({ type: keyFormat, format: 'pem' }).toString(),
      client_email: `relay@${this.projectId}.iam.gserviceaccount.com`,
      token_uri: `${this.#origin}/token`,
    });
  }

  /** A registration token that answers `answers` first to last, then 200. */
  device(answers: Array<FcmAnswer | { answer: FcmAnswer; retryAfter: string }> = []): string {
    const token = `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
    this.#answers.set(token, answers);
    return token;
  }

  /** Access tokens given so far stop working (401 UNAUTHENTICATED), as when they expire early or are revoked. */
  revokeAccessTokens(): void {
    this.#accessTokens.clear();
  }

  to(token: string): ReceivedFcmMessage[] {
    return this.received.filter((message) => message.token === token);
  }

  receivedCount(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const reply = (status: number, json: unknown, headers: Record<string, string> = {}) =>
          response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
        if (request.method === 'POST' && request.url === '/token') {
          void this.#token(body).then(({ status, json }) => reply(status, json));
          return;
        }
        if (request.method === 'POST' && request.url === `/v1/projects/${this.projectId}/messages:send`) {
          const { status, json, headers } = this.#send(request.headers, body);
          reply(status, json, headers);
          for (const waiter of [...this.#waiters]) {
            if (this.received.length < waiter.count) continue;
            this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
          return;
        }
        reply(404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  /** https://developers.google.com/identity/protocols/oauth2/service-account#httprest */
  async #token(body: string): Promise<{ status: number; json: unknown }> {
    const form = new URLSearchParams(body);
    const problems: string[] = [];
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') problems.push(`grant_type ${form.get('grant_type')}`);
    try {
      const { payload, protectedHeader } = await jwtVerify(form.get('assertion') ?? '', this.#publicKey, {
        algorithms: ['RS256'],
        issuer: `relay@${this.projectId}.iam.gserviceaccount.com`,
        audience: `${this.#origin}/token`,
        requiredClaims: ['iat', 'exp'],
      });
      const scopes = String(payload.scope ?? '').split(' ');
      if (!scopes.includes('https://www.googleapis.com/auth/firebase.messaging')) problems.push(`scope ${payload.scope}`);
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600) problems.push('exp more than an hour after iat');
      if (protectedHeader.kid !== undefined && protectedHeader.kid !== 'key-1') problems.push(`kid ${protectedHeader.kid}`);
    } catch (err) {
      problems.push(`assertion: ${(err as Error).message}`);
    }
    this.tokenRequests.push({ problems });
    if (problems.length > 0) return { status: 400, json: { error: 'invalid_grant', error_description: problems.join('; ') } };
    const accessToken = `ya29.${randomBytes(32).toString('base64url')}`;
    this.#accessTokens.add(accessToken);
    return { status: 200, json: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
  }

  /** https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send */
  #send(headers: IncomingHttpHeaders, body: string): { status: number; json: unknown; headers?: Record<string, string> } {
    const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (!bearer || !this.#accessTokens.has(bearer)) {
      // https://firebase.google.com/docs/cloud-messaging/error-codes: UNAUTHENTICATED, no valid OAuth access token.
      return {
        status: 401,
        json: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
      };
    }
    let message: Record<string, unknown> = {};
    const problems: string[] = [];
    try {
      message = ((JSON.parse(body) as { message?: Record<string, unknown> }).message ?? {}) as Record<string, unknown>;
    } catch {
      problems.push('body is not JSON');
    }
    const token = typeof message.token === 'string' ? message.token : '';
    if (!token) problems.push('message.token missing');
    const data = (message.data ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(data)) if (typeof value !== 'string') problems.push(`message.data.${key} is not a string`);
    const android = (message.android ?? {}) as { collapse_key?: unknown; priority?: unknown; ttl?: unknown };
    if (typeof android.collapse_key !== 'string') problems.push('message.android.collapse_key missing');
    if (android.priority !== undefined && android.priority !== 'high' && android.priority !== 'normal')
      problems.push(`message.android.priority ${android.priority}`);
    // A Duration: seconds with up to nine fractional digits and an `s` (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages#androidconfig), at most 4 weeks.
    if (
      android.ttl !== undefined &&
      !(/^\d+(\.\d{1,9})?s$/.test(String(android.ttl)) && Number.parseFloat(String(android.ttl)) <= 2_419_200)
    )
      problems.push(`message.android.ttl ${android.ttl}`);
    const apnsHeaders = ((message.apns ?? {}) as { headers?: Record<string, unknown> }).headers ?? {};
    if (Buffer.byteLength(String(apnsHeaders['apns-collapse-id'] ?? '')) > 64) problems.push('apns-collapse-id over 64 bytes');
    if (apnsHeaders['apns-expiration'] !== undefined && !/^\d+$/.test(String(apnsHeaders['apns-expiration'])))
      problems.push('apns-expiration not epoch seconds');
    if (Buffer.byteLength(JSON.stringify(data)) > 4096) problems.push('data over 4096 bytes');
    this.received.push({ token, headers, message, problems, at: Date.now() });
    if (problems.length > 0) {
      // A field of ours FCM refuses: a google.rpc.BadRequest (https://firebase.google.com/docs/cloud-messaging/error-codes, example 1).
      const fieldViolations = problems.map((description) => ({ field: 'message', description }));
      return {
        status: 400,
        json: {
          error: {
            code: 400,
            message: problems[0],
            status: 'INVALID_ARGUMENT',
            details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations }],
          },
        },
      };
    }
    const scripted = this.#answers.get(token);
    // A token FCM never issued is INVALID_ARGUMENT.
    const next = scripted ? scripted.shift() : 'INVALID_ARGUMENT';
    if (!next) return { status: 200, json: { name: `projects/${this.projectId}/messages/${randomBytes(8).toString('hex')}` } };
    const answer = typeof next === 'string' ? next : next.answer;
    const { code, status } = ERRORS[answer];
    const details: unknown[] = [
      {
        '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
        errorCode: answer === 'MESSAGE_TOO_BIG' ? 'INVALID_ARGUMENT' : answer,
      },
    ];
    // INVALID_ARGUMENT names the field at fault in a google.rpc.BadRequest
    // (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode): the token
    // (as https://github.com/firebase/firebase-admin-python/issues/187 shows it), or for a
    // message over the size limit, the message.
    if (answer === 'INVALID_ARGUMENT')
      details.push({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }],
      });
    if (answer === 'MESSAGE_TOO_BIG')
      details.push({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message', description: 'Message is too big' }],
      });
    return {
      status: code,
      json: {
        error: {
          code,
          message:
            answer === 'INVALID_ARGUMENT'
              ? 'The registration token is not a valid FCM registration token'
              : answer === 'MESSAGE_TOO_BIG'
                ? 'Message is too big'
                : answer,
          status,
          details,
        },
      },
      headers: typeof next === 'string' ? {} : { 'retry-after': next.retryAfter },
    };
  }
}
