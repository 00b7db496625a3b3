import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import { ConfigError } from '../../config/error.js';
import type { RelayConfig } from '../../config.js';
import type { StoredDevice } from '../../store/types.js';
import { clipText, type PushData, type PushOutcome, type PushProvider, retryAfter } from './provider.js';

/** https://firebase.google.com/docs/cloud-messaging/auth-server: the scope an access token for sending needs. */
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
/** An access token is fetched again this long before it expires, so none is sent expiring. */
const REFRESH_BEFORE_MS = 5 * 60_000;

interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
  project_id?: string;
}

/** The error of an FCM v1 answer (https://firebase.google.com/docs/cloud-messaging/error-codes). */
interface FcmErrorBody {
  error?: { code?: number; status?: string; message?: string; details?: Array<{ '@type'?: string; errorCode?: string }> };
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
  #key: ReturnType<typeof importPKCS8> | undefined;
  #token: { value: string; expiresAt: number } | undefined;
  #fetching: Promise<{ value: string; expiresAt: number }> | undefined;

  constructor(private readonly config: Pick<RelayConfig['push'], 'fcm' | 'timeoutMs'>) {
    this.#account = serviceAccountOf(config.fcm);
    const projectId = config.fcm.projectId ?? this.#account.project_id;
    if (!projectId) throw new ConfigError('push.fcm.projectId', 'required when the service account has no project_id');
    this.#sendUrl = `${config.fcm.url.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(projectId)}/messages:send`;
  }

  async send(device: StoredDevice, payload: PushData, collapseKey: string, signal: AbortSignal): Promise<PushOutcome> {
    const body = JSON.stringify({
      message: {
        token: device.token,
        data: dataOf(clipText(payload)),
        android: { collapse_key: collapseKey, priority: 'high' },
        apns: { headers: { 'apns-collapse-id': collapseKey } },
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
      const errorCode = answer.error?.details?.find((detail) => detail['@type']?.endsWith('google.firebase.fcm.v1.FcmError'))?.errorCode;
      const detail = `${response.status} ${errorCode ?? status}`;
      // The token FCM no longer knows, or one it says is not a registration token (an FcmError
      // INVALID_ARGUMENT; a field of ours it refuses is a google.rpc.BadRequest instead).
      if (response.status === 404 || errorCode === 'UNREGISTERED' || (response.status === 400 && errorCode === 'INVALID_ARGUMENT'))
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
    this.#key ??= importPKCS8(account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
      .setIssuer(account.client_email)
      .setAudience(account.token_uri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(await this.#key);
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
  let parsed: Partial<ServiceAccount>;
  try {
    parsed = JSON.parse(config.serviceAccount ?? readFileSync(config.serviceAccountFile ?? '', 'utf8')) as Partial<ServiceAccount>;
  } catch (err) {
    throw new ConfigError(key, `is not a service account key JSON: ${(err as Error).message}`);
  }
  const { client_email, private_key } = parsed;
  if (typeof client_email !== 'string' || typeof private_key !== 'string')
    throw new ConfigError(key, 'the service account key has no client_email or private_key');
  // Checked at start, so a wrong key stops the relay rather than every push.
  let type: string | undefined;
  try {
    type = createPrivateKey(private_key).asymmetricKeyType;
  } catch {
    type = undefined;
  }
  if (type !== 'rsa') throw new ConfigError(key, 'the service account key’s private_key is not an RSA private key');
  return { ...parsed, client_email, private_key, token_uri: parsed.token_uri ?? 'https://oauth2.googleapis.com/token' };
}
