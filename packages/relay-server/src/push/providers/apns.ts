import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { SignJWT } from 'jose';
import { ConfigError } from '../../config/error.js';
import type { RelayConfig } from '../../config.js';
import type { StoredDevice } from '../../store/types.js';
import { fitted, type PushData, type PushOutcome, type PushProvider, retryAfter } from './provider.js';

/**
 * A provider token is used this long, then signed again: APNs refuses one older than an hour
 * (`ExpiredProviderToken`) and one renewed more often than every 20 minutes
 * (`TooManyProviderTokenUpdates`), https://developer.apple.com/documentation/usernotifications/establishing-a-token-based-connection-to-apns.
 */
const TOKEN_LIFETIME_MS = 50 * 60_000;
/** APNs keeps `apns-collapse-id` to 64 bytes (https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns). */
const MAX_COLLAPSE_ID_BYTES = 64;
/** How long a closing relay lets its connections finish what they carry before cutting them. */
const CLOSE_GRACE_MS = 1000;

interface ApnsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  reason: string | undefined;
}

/**
 * Apple Push Notification service through its HTTP/2 provider API
 * (https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns):
 * `POST /3/device/<token>` on the production or sandbox origin as the device was registered,
 * one HTTP/2 connection per origin kept open, authorized by a provider token (an ES256 JWT with
 * the key id as `kid`, the team id as `iss`) signed again every 50 minutes. A message is an
 * `alert` push with the conversation's `apns-collapse-id`; other payloads are `background`.
 */
export class ApnsProvider implements PushProvider {
  readonly kind = 'apns';
  readonly #sessions = new Map<string, ClientHttp2Session>();
  readonly #ca: string | undefined;
  readonly #key: KeyObject;
  #token: { value: Promise<string>; issuedAt: number } | undefined;

  constructor(private readonly config: Pick<RelayConfig['push'], 'apns' | 'timeoutMs' | 'ttlSeconds'>) {
    const { apns } = config;
    // Checked at start, so a wrong key stops the relay rather than every push; the key object
    // read here is the one that signs, so any PEM Node reads (PKCS #8 as Apple gives it, or
    // SEC1) signs as it was checked.
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(apns.privateKey ?? readKey(apns.privateKeyFile));
    } catch {
      key = undefined;
    }
    if (key?.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new ConfigError(
        apns.privateKey ? 'push.apns.privateKey' : 'push.apns.privateKeyFile',
        'is not a P-256 private key (the .p8 file)',
      );
    this.#key = key;
    this.#ca = apns.caFile ? readFileSync(apns.caFile, 'utf8') : undefined;
  }

  async send(device: StoredDevice, payload: PushData, collapseKey: string, signal: AbortSignal): Promise<PushOutcome> {
    const alert = payload.type === 'message';
    const body = fitted(payload, bodyOf, (json) => Buffer.byteLength(json));
    const origin = device.environment === 'sandbox' ? this.config.apns.sandboxUrl : this.config.apns.productionUrl;
    for (let resigned = false; ; resigned = true) {
      const token = await this.#providerToken();
      const answer = await this.#post(
        origin,
        {
          ':method': 'POST',
          ':path': `/3/device/${device.token}`,
          authorization: `bearer ${token}`,
          'apns-topic': this.config.apns.topic ?? '',
          'apns-push-type': alert ? 'alert' : 'background',
          // 10 delivers at once; a background push must be 5.
          'apns-priority': alert ? '10' : '5',
          'apns-expiration': String(Math.floor(Date.now() / 1000) + this.config.ttlSeconds),
          'apns-collapse-id': collapseKey.slice(0, MAX_COLLAPSE_ID_BYTES),
          'content-type': 'application/json',
        },
        body,
        signal,
      );
      // https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
      const detail = `${answer.status} ${answer.reason ?? ''}`.trim();
      if (answer.status === 200) return { kind: 'sent' };
      if (
        answer.status === 410 ||
        (answer.status === 400 && (answer.reason === 'BadDeviceToken' || answer.reason === 'DeviceTokenNotForTopic'))
      )
        return { kind: 'gone', detail };
      if (answer.status === 403 && answer.reason === 'ExpiredProviderToken' && !resigned) {
        // Pushes that failed together sign one new token, not one each: APNs counts renewals.
        if (this.#token && (await this.#token.value) === token) this.#token = undefined;
        continue;
      }
      if (answer.status === 429 || answer.status >= 500)
        return { kind: 'retry', afterMs: retryAfter(answer.headers['retry-after']), detail };
      return { kind: 'refused', detail };
    }
  }

  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(
      sessions.map(
        (session) =>
          new Promise<void>((resolve) => {
            // A connection still being set up has nothing to finish, and closing one gracefully
            // leaves its socket open (Node 20): it is cut.
            if (session.destroyed || session.connecting) {
              session.destroy();
              return resolve();
            }
            // A graceful close waits for the streams, which a peer that stopped answering never
            // ends: after a grace the connection is cut.
            const cut = setTimeout(
              () => {
                session.destroy();
                resolve();
              },
              Math.min(CLOSE_GRACE_MS, this.config.timeoutMs),
            );
            session.close(() => {
              clearTimeout(cut);
              resolve();
            });
          }),
      ),
    );
  }

  /** One request on the origin's connection (opened again when APNs or the network closed it); its status and `reason`. */
  #post(origin: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<ApnsAnswer> {
    const session = this.#session(origin);
    return new Promise<ApnsAnswer>((resolve, reject) => {
      const request = session.request(headers, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]) });
      let status = 0;
      let answerHeaders: ApnsAnswer['headers'] = {};
      const chunks: Buffer[] = [];
      request.on('response', (received) => {
        status = Number(received[constants.HTTP2_HEADER_STATUS]);
        answerHeaders = received;
      });
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let reason: string | undefined;
        try {
          reason = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reason?: string }).reason : undefined;
        } catch {
          reason = undefined;
        }
        if (status === 0) reject(new Error('APNs closed the stream without an answer'));
        else resolve({ status, headers: answerHeaders, reason });
      });
      request.on('error', reject);
      // A stream reset without an error (or its session destroyed) ends with neither: the push still settles.
      request.on('close', () => reject(new Error('APNs closed the stream without an answer')));
      request.end(body);
    });
  }

  #session(origin: string): ClientHttp2Session {
    const open = this.#sessions.get(origin);
    if (open && !open.closed && !open.destroyed) return open;
    const session = connect(origin, this.#ca ? { ca: this.#ca } : {});
    // A peer that takes the TCP connection and never completes TLS would hold the session (and a closing relay) forever.
    const connecting = setTimeout(
      () => session.destroy(new Error(`APNs did not connect within ${this.config.timeoutMs} ms`)),
      this.config.timeoutMs,
    );
    connecting.unref();
    session.once('connect', () => clearTimeout(connecting));
    session.once('close', () => clearTimeout(connecting));
    const forget = () => {
      if (this.#sessions.get(origin) === session) this.#sessions.delete(origin);
    };
    // A GOAWAY (APNs closing an idle or old connection) or a network error: the next push opens another.
    session.on('goaway', forget);
    session.on('close', forget);
    session.on('error', forget);
    session.unref();
    this.#sessions.set(origin, session);
    return session;
  }

  /** The provider token, signed again once it is 50 minutes old: one signature for all the pushes that need it at once. */
  async #providerToken(): Promise<string> {
    const now = Date.now();
    if (!this.#token || now - this.#token.issuedAt >= TOKEN_LIFETIME_MS) {
      const token = { value: this.#sign(now), issuedAt: now };
      // A failed signature is not kept: the next push signs again.
      token.value.catch(() => {
        if (this.#token === token) this.#token = undefined;
      });
      this.#token = token;
    }
    return this.#token.value;
  }

  async #sign(now: number): Promise<string> {
    const { keyId, teamId } = this.config.apns;
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: keyId ?? '' })
      .setIssuer(teamId ?? '')
      .setIssuedAt(Math.floor(now / 1000))
      .sign(this.#key);
  }
}

/**
 * The `aps` dictionary (https://developer.apple.com/documentation/usernotifications/generating-a-remote-notification):
 * a message shows its sender as the title and its text as the body when `push.content` gives
 * them, else the app's `CHAT4ALL_MESSAGE` localized string; `mutable-content` lets the app's
 * notification service extension fetch and show the message itself; `thread-id` groups a
 * conversation's notifications. Anything else is a background push (`content-available`).
 */
/**
 * The JSON body: `aps` beside the payload's fields, less a message's `text`, which
 * `aps.alert.body` carries (twice would halve the room APNs gives it).
 */
function bodyOf(payload: PushData): string {
  const { text: _text, ...fields } = payload as PushData & { text?: string };
  return JSON.stringify({ aps: apsOf(payload), ...fields });
}

function apsOf(payload: PushData): Record<string, unknown> {
  if (payload.type !== 'message') return { 'content-available': 1 };
  const alert: Record<string, string> = {};
  if (payload.sender?.displayName) alert.title = payload.sender.displayName;
  if (payload.text) alert.body = payload.text;
  if (!alert.body) alert['loc-key'] = 'CHAT4ALL_MESSAGE';
  return { alert, 'mutable-content': 1, 'thread-id': payload.conversationId };
}

function readKey(file: string | undefined): string {
  try {
    return readFileSync(file ?? '', 'utf8');
  } catch (err) {
    throw new ConfigError('push.apns.privateKeyFile', `cannot be read: ${(err as Error).message}`);
  }
}
