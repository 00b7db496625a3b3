import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, createSecureServer, type Http2SecureServer, type Http2Session, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';

/**
 * Apple Push Notification service on a loopback port: HTTP/2 over TLS (a self-signed
 * certificate for `localhost`, made with `openssl`; the relay trusts it through
 * `push.apns.caFile`), checking what the relay sends as APNs would:
 *
 * - The request (https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns):
 *   `POST /3/device/<hex device token>`, `authorization: bearer <provider token>`,
 *   `apns-topic` (the bundle id), `apns-push-type` (`alert` or `background`), `apns-priority`
 *   (10, or 5 for background), `apns-expiration` (epoch seconds), `apns-collapse-id` (at most 64
 *   bytes), a JSON body of at most 4096 bytes with an `aps` dictionary.
 * - The provider token (https://developer.apple.com/documentation/usernotifications/establishing-a-token-based-connection-to-apns):
 *   an ES256 JWT, header `alg` and `kid` (the key id), claims `iss` (the team id) and `iat`,
 *   signed with the team's key (verified here with its public key); older than an hour is
 *   `403 ExpiredProviderToken`, a bad one `403 InvalidProviderToken`.
 * - The answers (https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns):
 *   `200` with an `apns-id` header and no body; otherwise a status and `{ "reason": "..." }`
 *   (`410` with a `timestamp` for `Unregistered`).
 */

export type ApnsReason = 'Unregistered' | 'BadDeviceToken' | 'TooManyRequests' | 'InternalServerError' | 'ServiceUnavailable';

const STATUSES: Record<ApnsReason, number> = {
  Unregistered: 410,
  BadDeviceToken: 400,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
};

export interface ReceivedApnsPush {
  token: string;
  headers: IncomingHttpHeaders;
  payload: Record<string, unknown> | null;
  /** The provider token's `iat`. */
  issuedAt: number | undefined;
  problems: string[];
}

export class FakeApns {
  readonly keyId = 'ABC123DEFG';
  readonly teamId = 'DEF123GHIJ';
  readonly topic = 'com.example.chat';
  readonly received: ReceivedApnsPush[] = [];
  readonly #publicKey: KeyObject;
  readonly privateKey: string;
  /** The same key as a SEC1 PEM (`BEGIN EC PRIVATE KEY`), as `openssl ec` writes it. */
  readonly sec1PrivateKey: string;
  readonly #answers = new Map<string, ApnsReason[]>();
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'fake-apns-'));
  /** Provider tokens answered `ExpiredProviderToken`. */
  readonly #expired = new Set<string>();
  readonly #seen = new Set<string>();
  readonly #sessions = new Set<Http2Session>();
  #server: Http2SecureServer | undefined;
  #origin = '';
  /** HTTP/2 connections the relay opened. */
  connections = 0;
  /**
   * What the fake does with a request: answers it; holds it open without a word, as a service
   * that stopped answering; or resets its stream with `NO_ERROR` (RFC 9113 §8.1) before answering.
   */
  requests: 'answer' | 'hang' | 'reset' = 'answer';

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#publicKey = publicKey;
    // The `.p8` file Apple gives is a PKCS #8 PEM.
    this.privateKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.sec1PrivateKey = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  }

  get url(): string {
    return this.#origin;
  }

  /** The PEM of the server's self-signed certificate, for `push.apns.caFile`. */
  get caFile(): string {
    return join(this.#dir, 'cert.pem');
  }

  /** A device token (32 bytes, hex) answered with `answers` first to last, then 200. */
  device(answers: ApnsReason[] = []): string {
    const token = randomBytes(32).toString('hex');
    this.#answers.set(token, answers);
    return token;
  }

  /** Provider tokens used so far are refused as expired from now on, as APNs does with one over an hour old. */
  expireProviderTokens(): void {
    for (const jwt of this.#seen) this.#expired.add(jwt);
  }

  /** The distinct provider tokens received. */
  get providerTokens(): number {
    return this.#seen.size;
  }

  to(token: string): ReceivedApnsPush[] {
    return this.received.filter((push) => push.token === token);
  }

  receivedCount(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async start(): Promise<this> {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(this.#dir, 'key.pem'),
        '-out',
        this.caFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    this.#server = createSecureServer({ key: readFileSync(join(this.#dir, 'key.pem')), cert: readFileSync(this.caFile) });
    this.#server.on('session', (session) => {
      this.connections++;
      this.#sessions.add(session);
      session.on('close', () => this.#sessions.delete(session));
    });
    this.#server.on('stream', (stream, headers) => {
      if (this.requests !== 'answer') {
        this.received.push({ token: '', headers, payload: null, issuedAt: undefined, problems: [] });
        this.#wake();
        if (this.requests === 'reset') stream.close(constants.NGHTTP2_NO_ERROR);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void this.#answer(headers, Buffer.concat(chunks)).then(({ status, body }) => {
          if (stream.destroyed) return;
          stream.respond({
            ':status': status,
            'apns-id': randomBytes(16).toString('hex'),
            ...(body ? { 'content-type': 'application/json' } : {}),
          });
          stream.end(body ? JSON.stringify(body) : undefined);
          this.#wake();
        });
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#origin = `https://localhost:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Ends every connection with a GOAWAY frame, as APNs does to a connection it retires. */
  goAway(): void {
    for (const session of this.#sessions) {
      session.goaway();
      session.close();
    }
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) {
      if (this.received.length < waiter.count) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async close(): Promise<void> {
    for (const session of this.#sessions) session.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #answer(headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; body?: Record<string, unknown> }> {
    const token = /^\/3\/device\/([0-9a-f]+)$/.exec(String(headers[':path']))?.[1] ?? '';
    const problems: string[] = [];
    const push: ReceivedApnsPush = { token, headers, payload: null, issuedAt: undefined, problems };
    this.received.push(push);
    // The provider token first: without a valid one APNs looks at nothing else.
    const jwt = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
    if (!jwt) return { status: 403, body: { reason: 'MissingProviderToken' } };
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.kid !== this.keyId) throw new Error(`kid ${header.kid}`);
      const { payload } = await jwtVerify(jwt, this.#publicKey, { algorithms: ['ES256'], issuer: this.teamId, requiredClaims: ['iat'] });
      push.issuedAt = payload.iat;
    } catch (err) {
      problems.push(`provider token: ${(err as Error).message}`);
      return { status: 403, body: { reason: 'InvalidProviderToken' } };
    }
    this.#seen.add(jwt);
    if (this.#expired.has(jwt) || (push.issuedAt ?? 0) < Date.now() / 1000 - 3600)
      return { status: 403, body: { reason: 'ExpiredProviderToken' } };
    if (headers[':method'] !== 'POST') return { status: 405, body: { reason: 'MethodNotAllowed' } };
    if (!token) return { status: 404, body: { reason: 'BadPath' } };
    if (headers['apns-topic'] !== this.topic) problems.push(`apns-topic ${headers['apns-topic']}`);
    const pushType = headers['apns-push-type'];
    if (pushType !== 'alert' && pushType !== 'background') problems.push(`apns-push-type ${pushType}`);
    const priority = headers['apns-priority'];
    if (priority !== '10' && priority !== '5') problems.push(`apns-priority ${priority}`);
    if (pushType === 'background' && priority !== '5') problems.push('a background push must have apns-priority 5');
    if (!/^\d+$/.test(String(headers['apns-expiration'] ?? ''))) problems.push('apns-expiration not epoch seconds');
    if (Buffer.byteLength(String(headers['apns-collapse-id'] ?? '')) > 64) return { status: 400, body: { reason: 'BadCollapseId' } };
    if (body.length > 4096) return { status: 413, body: { reason: 'PayloadTooLarge' } };
    try {
      push.payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (typeof push.payload.aps !== 'object') problems.push('no aps dictionary');
    } catch {
      return { status: 400, body: { reason: 'PayloadEmpty' } };
    }
    if (problems.length > 0)
      return { status: 400, body: { reason: problems.some((p) => p.startsWith('apns-topic')) ? 'TopicDisallowed' : 'BadMessageId' } };
    const scripted = this.#answers.get(token);
    if (!scripted) return { status: 400, body: { reason: 'BadDeviceToken' } };
    const reason = scripted.shift();
    if (!reason) return { status: 200 };
    return { status: STATUSES[reason], body: reason === 'Unregistered' ? { reason, timestamp: Date.now() } : { reason } };
  }
}
