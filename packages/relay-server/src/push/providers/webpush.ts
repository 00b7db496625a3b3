import type { Dispatcher } from 'undici';
// web-push is CommonJS whose exports Node cannot name statically: import the module object.
import webPush, { type RequestDetails } from 'web-push';
import type { RelayConfig } from '../../config.js';
import { publicOnly } from '../../http/public-addresses.js';
import type { StoredDevice } from '../../store/types.js';
import { type PushData, type PushOutcome, type PushProvider, retryAfter } from './provider.js';

/** The subscription is gone for good (RFC 8030 §7.3: 404 or 410): its device is removed. */
const GONE = new Set([404, 410]);
/** Worth another attempt (RFC 8030 §5 and §8.4: too many requests, the service's own trouble). */
const RETRYABLE = (status: number) => status === 429 || status >= 500;

/**
 * Web Push: each push encrypted to the subscription (RFC 8291, `aes128gcm`) and signed with
 * the relay's VAPID key (RFC 8292) by the `web-push` library, with the conversation's `Topic`
 * (RFC 8030 §5.4), posted through the address guard since the endpoint is the user's choice.
 */
export class WebPushProvider implements PushProvider {
  readonly kind = 'webpush';
  readonly #dispatcher: Dispatcher | undefined;
  readonly #vapid: { subject: string; publicKey: string; privateKey: string };

  constructor(
    private readonly config: Pick<RelayConfig['push'], 'allowPrivateAddresses' | 'ttlSeconds' | 'timeoutMs'>,
    vapid: { subject: string; publicKey: string; privateKey: string },
  ) {
    this.#vapid = vapid;
    this.#dispatcher = config.allowPrivateAddresses ? undefined : publicOnly();
  }

  async send(device: StoredDevice, payload: PushData, topic: string, signal: AbortSignal): Promise<PushOutcome> {
    let request: RequestDetails;
    try {
      // Built for each attempt: its VAPID token and encryption are fresh.
      request = this.#request(device, JSON.stringify(payload), topic);
    } catch (err) {
      // Keys the library cannot encrypt to: no attempt could succeed.
      return { kind: 'refused', detail: `not encrypted: ${(err as Error).message}` };
    }
    const response = await this.#post(request, signal);
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { kind: 'sent' };
    if (GONE.has(response.status)) return { kind: 'gone', detail: String(response.status) };
    if (RETRYABLE(response.status))
      return { kind: 'retry', afterMs: retryAfter(response.headers.get('retry-after')), detail: String(response.status) };
    return { kind: 'refused', detail: String(response.status) };
  }

  /** One request as `web-push` builds it: the body encrypted to the device, VAPID `Authorization`, `TTL`, `Topic`. */
  #request(device: StoredDevice, payload: string, topic: string): RequestDetails {
    return webPush.generateRequestDetails(
      { endpoint: device.endpoint ?? '', keys: { p256dh: device.p256dh, auth: device.auth } },
      payload,
      { vapidDetails: this.#vapid, TTL: this.config.ttlSeconds, topic, urgency: 'high', contentEncoding: 'aes128gcm' },
    );
  }

  /** Posts a request here rather than through `web-push`, so it goes through the address guard and has a deadline. */
  #post(request: RequestDetails, signal: AbortSignal): Promise<Response> {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    return fetch(request.endpoint, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]),
      ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
    } as RequestInit);
  }
}
