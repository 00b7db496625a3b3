import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Web Push service on a loopback port, as a browser's push service checks what an
 * application server posts to a subscription's endpoint:
 *
 * - RFC 8030 (Generic Event Delivery Using HTTP Push) §5: a POST to the subscription's push
 *   resource, with a `TTL` header (§5.2, required), an optional `Urgency` (§5.3) and `Topic`
 *   (§5.4: at most 32 characters of the URL-safe base64 alphabet); answered `201 Created`
 *   when accepted; a push resource that is gone answers `404`/`410` (§7.3); `429` when the
 *   sender is too fast (§8.4).
 * - RFC 8292 (VAPID) §2 and §3: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed
 *   ES256 with the key `k` names (an uncompressed P-256 point, base64url), its `aud` the
 *   endpoint's origin, its `exp` at most 24 hours ahead, a `sub` to contact the sender.
 * - RFC 8291 (Message Encryption for Web Push) with RFC 8188 (`aes128gcm`): the body is the
 *   RFC 8188 header (salt, record size, key id = the sender's ephemeral public key) and one
 *   record; the fake holds the subscription's private key and auth secret, derives the
 *   content key and nonce as RFC 8291 §3.3–3.4 say, and decrypts it.
 *
 * Every request is kept, decrypted, with what was wrong with it (`problems`, empty when the
 * request is one a push service would accept).
 */

export interface FakeSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  /** The subscription (push resource) posted to: the endpoint's last path segment. */
  resource: string;
  headers: IncomingMessage['headers'];
  /** The decrypted payload parsed as JSON, or null when it could not be decrypted. */
  payload: unknown;
  problems: string[];
}

interface Resource {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  /** Answers to give, first to last; 201 once they run out. */
  statuses: number[];
}

export class FakePushService {
  readonly received: ReceivedPush[] = [];
  readonly #resources = new Map<string, Resource>();
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  #server: Server | undefined;
  #origin = '';

  /** The relay's VAPID public key: a request signed by any other key is refused. */
  constructor(private readonly vapidPublicKey: string) {}

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const resource = (request.url ?? '').split('/').pop() ?? '';
        const known = this.#resources.get(resource);
        const push = this.#check(request, Buffer.concat(chunks), known);
        this.received.push({ resource, ...push });
        const status = push.problems.length > 0 ? 400 : !known ? 404 : (known.statuses.shift() ?? 201);
        response.writeHead(status).end();
        for (const waiter of [...this.#waiters]) {
          if (this.received.length < waiter.count) continue;
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** A new subscription, as a browser's `PushManager.subscribe()` would give it: its own P-256 key pair and auth secret. */
  subscribe(statuses: number[] = []): FakeSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const resource = randomBytes(12).toString('base64url');
    this.#resources.set(resource, { ecdh, auth, statuses });
    return {
      endpoint: `${this.#origin}/push/${resource}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    };
  }

  /** The pushes received for one subscription. */
  to(subscription: FakeSubscription): ReceivedPush[] {
    const resource = subscription.endpoint.split('/').pop();
    return this.received.filter((push) => push.resource === resource);
  }

  /** Resolves once `count` requests have been received in all. */
  receivedCount(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #check(request: IncomingMessage, body: Buffer, resource: Resource | undefined): Omit<ReceivedPush, 'resource'> {
    const problems: string[] = [];
    const { headers } = request;
    if (request.method !== 'POST') problems.push(`method ${request.method}`);
    if (!/^\d+$/.test(String(headers.ttl ?? ''))) problems.push('no valid TTL header (RFC 8030 §5.2)');
    if (headers.topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(headers.topic))) problems.push('bad Topic (RFC 8030 §5.4)');
    if (headers['content-encoding'] !== 'aes128gcm') problems.push('Content-Encoding is not aes128gcm (RFC 8291 §4)');
    problems.push(...this.#checkVapid(String(headers.authorization ?? '')));
    let payload: unknown = null;
    if (resource) {
      try {
        payload = JSON.parse(decrypt(body, resource).toString('utf8'));
      } catch (err) {
        problems.push(`payload does not decrypt: ${(err as Error).message}`);
      }
    }
    return { headers, payload, problems };
  }

  /** RFC 8292 §3: the `vapid` scheme's token and key, the token's ES256 signature and claims. */
  #checkVapid(authorization: string): string[] {
    const match = /^vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_-]+)$/.exec(authorization);
    if (!match) return ['no "Authorization: vapid t=…, k=…" (RFC 8292 §3)'];
    const [, token = '', key = ''] = match;
    if (key !== this.vapidPublicKey) return ['k is not the relay’s VAPID public key'];
    const [header = '', claims = '', signature = ''] = token.split('.');
    const point = Buffer.from(key, 'base64url');
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
    const signed = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return ['the VAPID JWT’s ES256 signature does not verify with k (RFC 8292 §2)'];
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const { aud, exp, sub } = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
    const problems: string[] = [];
    if (alg !== 'ES256') problems.push(`JWT alg ${alg}`);
    if (aud !== this.#origin) problems.push(`JWT aud ${aud} is not ${this.#origin} (RFC 8292 §2)`);
    const now = Date.now() / 1000;
    if (typeof exp !== 'number' || exp <= now || exp > now + 24 * 3600) problems.push('JWT exp not within 24 hours (RFC 8292 §2)');
    if (!sub || !/^(mailto:|https:)/.test(sub)) problems.push('JWT sub is not a mailto: or https: URL (RFC 8292 §2.1)');
    return problems;
  }
}

/** RFC 8291 §3.3–3.4 key derivation and RFC 8188 §2 decryption of a single-record `aes128gcm` body. */
function decrypt(body: Buffer, { ecdh, auth }: Resource): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error(`key id of ${idLength} bytes, not a P-256 public key (RFC 8291 §4)`);
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero or more 0x00 of padding (RFC 8188 §2).
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter (RFC 8188 §2)');
  return padded.subarray(0, end);
}
