import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { ConfigError } from '../../config/error.js';
import type { RelayConfig } from '../../config.js';
import type { StoredDevice } from '../../store/types.js';
import { fitted, type PushData, type PushOutcome, type PushProvider, retryAfter } from './provider.js';

/** https://firebase.google.com/docs/cloud-messaging/auth-server: the scope an access token for sending needs. */
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** An access token is fetched again this long before it expires, so none is sent expiring. */
const REFRESH_BEFORE_MS = 5 * 60_000;

interface ServiceAccount {
  client_email: string;
  /** `private_key`, read (and checked) at start. */
  key: KeyObject;
  private_key_id?: string;
  token_uri: string;
  project_id?: string;
}

/** The error of an FCM v1 answer (https://firebase.google.com/docs/cloud-messaging/error-codes). */
interface FcmErrorBody {
  error?: {
    code?: number;
    status?: string;
    message?: string;
    details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string; description?: string }> }>;
  };
}

/**
 * Firebase Cloud Messaging through its HTTP v1 API
 * (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send): a data
 * message per device, its values strings as FCM requires, high priority on Android, the
 * conversation's collapse key on Android (`collapse_key`) and iOS (`apns-collapse-id`).
 * Authorized by an OAuth 2.0 access token for the service account, got by the JWT bearer grant
 * (RFC 7523; https://developers.google.com/identity/protocols/oauth2/service-account#httprest)
 * and kept until shortly before it expires.
 */
export class FcmProvider implements PushProvider {
  readonly kind = 'fcm';
  readonly #account: ServiceAccount;
  readonly #sendUrl: string;
  #token: { value: string; expiresAt: number } | undefined;
  #fetching: Promise<{ value: string; expiresAt: number }> | undefined;

  constructor(private readonly config: Pick<RelayConfig['push'], 'fcm' | 'timeoutMs' | 'ttlSeconds'>) {
    this.#account = serviceAccountOf(config.fcm);
    const projectId = config.fcm.projectId ?? this.#account.project_id;
    if (!projectId) throw new ConfigError('push.fcm.projectId', 'required when the service account has no project_id');
    this.#sendUrl = `${config.fcm.url.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(projectId)}/messages:send`;
  }

  async send(device: StoredDevice, payload: PushData, collapseKey: string, signal: AbortSignal): Promise<PushOutcome> {
    const { ttlSeconds } = this.config;
    const body = JSON.stringify({
      message: {
        token: device.token,
        data: fitted(payload, dataOf, (data) => Buffer.byteLength(JSON.stringify(data))),
        // Kept as long as a Web Push or APNs push: `ttl` a Duration in seconds
        // (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages#androidconfig),
        // `apns-expiration` epoch seconds for FCM's delivery through APNs, as the APNs provider sends it.
        android: { collapse_key: collapseKey, priority: 'high', ttl: `${ttlSeconds}s` },
        apns: {
          headers: {
            'apns-collapse-id': collapseKey,
            'apns-expiration': String(Math.floor(Date.now() / 1000) + ttlSeconds),
          },
        },
      },
    });
    for (let renewed = false; ; renewed = true) {
      let token: string;
      try {
        token = await this.#accessToken(signal);
      } catch (err) {
        if (err instanceof TokenRefused) return { kind: 'refused', detail: err.message };
        throw err;
      }
      const response = await fetch(this.#sendUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      });
      const answer = response.ok ? null : ((await response.json().catch(() => ({}))) as FcmErrorBody);
      if (!answer) {
        await response.body?.cancel().catch(() => {});
        return { kind: 'sent' };
      }
      const status = answer.error?.status ?? String(response.status);
      const details = answer.error?.details ?? [];
      const errorCode = details.find((detail) => detail['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
      const detail = `${response.status} ${errorCode ?? status}`;
      // INVALID_ARGUMENT covers a message too big, a data key FCM keeps, a bad TTL as well as a
      // bad token (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode), and names
      // the field in a google.rpc.BadRequest: the device is gone only when that field is the
      // token (as https://github.com/firebase/firebase-admin-python/issues/187 shows it); a
      // payload of ours FCM refuses is not the device's fault.
      const tokenRefused = details.some(
        (detail) =>
          detail['@type']?.endsWith('google.rpc.BadRequest') &&
          detail.fieldViolations?.some((violation) => violation.field === 'message.token'),
      );
      if (response.status === 404 || errorCode === 'UNREGISTERED' || (response.status === 400 && tokenRefused))
        return { kind: 'gone', detail };
      // An access token FCM no longer takes (revoked, or a clock off): one fresh token, once.
      if (response.status === 401 && errorCode !== 'THIRD_PARTY_AUTH_ERROR' && !renewed) {
        this.#token = undefined;
        continue;
      }
      if (response.status === 429 || response.status >= 500)
        return { kind: 'retry', afterMs: retryAfter(response.headers.get('retry-after')), detail };
      return { kind: 'refused', detail };
    }
  }

  /** The cached access token, or a new one when it is about to expire: one token request at a time for all pushes. */
  async #accessToken(signal: AbortSignal): Promise<string> {
    if (this.#token && this.#token.expiresAt - REFRESH_BEFORE_MS > Date.now()) return this.#token.value;
    this.#fetching ??= this.#fetchToken(signal)
      .then((token) => {
        this.#token = token;
        return token;
      })
      .finally(() => {
        this.#fetching = undefined;
      });
    return (await this.#fetching).value;
  }

  async #fetchToken(signal: AbortSignal): Promise<{ value: string; expiresAt: number }> {
    const account = this.#account;
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(account.key);
    const response = await fetch(account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
    });
    const answer = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (response.status >= 500 || response.status === 429) throw new Error(`the OAuth token endpoint answered ${response.status}`);
    if (!response.ok || typeof answer.access_token !== 'string')
      throw new TokenRefused(`the OAuth token endpoint refused the service account: ${response.status} ${answer.error ?? ''}`.trim());
    return { value: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 3600) * 1000 };
  }
}

/** The token endpoint said no (4xx): the service account is wrong, and no retry would help. */
class TokenRefused extends Error {}

/** FCM data values are strings (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages#Message: `map<string, string>`). */
function dataOf(payload: PushData): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

function serviceAccountOf(config: RelayConfig['push']['fcm']): ServiceAccount {
  const key = config.serviceAccount ? 'push.fcm.serviceAccount' : 'push.fcm.serviceAccountFile';
  let parsed: Partial<Omit<ServiceAccount, 'key'>> & { private_key?: unknown };
  try {
    parsed = JSON.parse(config.serviceAccount ?? readFileSync(config.serviceAccountFile ?? '', 'utf8')) as typeof parsed;
  } catch (err) {
    throw new ConfigError(key, `is not a service account key JSON: ${(err as Error).message}`);
  }
  const { client_email, private_key } = parsed;
  if (typeof client_email !== 'string' || typeof private_key !== 'string')
    throw new ConfigError(key, 'the service account key has no client_email or private_key');
  // Checked at start, so a wrong key stops the relay rather than every push; the key object
  // read here is the one that signs, so any PEM Node reads (PKCS #8 as Google gives it, or PKCS #1) signs as it was checked.
  let keyObject: KeyObject | undefined;
  try {
    keyObject = createPrivateKey(private_key);
  } catch {
    keyObject = undefined;
  }
  if (keyObject?.asymmetricKeyType !== 'rsa') throw new ConfigError(key, 'the service account key’s private_key is not an RSA private key');
  return {
    client_email,
    key: keyObject,
    private_key_id: parsed.private_key_id,
    project_id: parsed.project_id,
    token_uri: parsed.token_uri ?? 'https://oauth2.googleapis.com/token',
  };
}
