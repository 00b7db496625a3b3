import { createHash } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type { Message, PushPayload } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
// web-push is CommonJS whose exports Node cannot name statically: import the module object.
import webPush, { type RequestDetails } from 'web-push';
import type { RelayConfig } from '../config.js';
import { publicOnly } from '../http/public-addresses.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { backoffDelay } from '../queue/attempts.js';
import type { SharedState } from '../shared/types.js';
import type { Store, StoredDevice } from '../store/types.js';

export interface PushSenderDeps {
  store: Pick<Store, 'devices' | 'users' | 'safety'>;
  shared: Pick<SharedState, 'connected'>;
  config: RelayConfig['push'];
  log: Pick<Logger, 'warn' | 'error' | 'debug'>;
  metrics: Pick<RelayMetrics, 'pushesSent' | 'pushesFailed' | 'pushDevicesRemoved'>;
}

/** The far side's answers worth another attempt (RFC 8030 §5 and §8.4: too many requests, the service's own trouble). */
const RETRYABLE = (status: number) => status === 429 || status >= 500;
/** The subscription is gone for good (RFC 8030 §7.3: 404 or 410): its device is removed. */
const GONE = new Set([404, 410]);
/** Backoff between attempts of one push is capped at this, whatever `baseDelayMs`. */
const MAX_DELAY_MS = 60_000;

/**
 * Web Push after each committed message: the devices of the conversation's members other
 * than the sender, who have not muted it and have no live socket on any node, each get one
 * push, encrypted to the subscription (RFC 8291, `aes128gcm`) and signed with the relay's VAPID
 * key (RFC 8292) by the `web-push` library, posted off the send path. Each carries the
 * conversation's `Topic` (RFC 8030 §5.4), so a push still waiting at the push service is
 * replaced by the next one of the same conversation. A 404 or 410 removes the device; 429, 5xx
 * and network failures are tried again on this node, at most `maxAttempts` times with jittered
 * backoff (or the service's `Retry-After`), then logged and counted: a push is a hint, the
 * message itself is stored and reaches the user on their next sync.
 */
export class PushSender {
  readonly #pending = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  readonly #dispatcher: Dispatcher | undefined;
  readonly #vapid: { subject: string; publicKey: string; privateKey: string } | null;

  constructor(private readonly deps: PushSenderDeps) {
    const { vapid, allowPrivateAddresses } = deps.config;
    this.#dispatcher = allowPrivateAddresses ? undefined : publicOnly();
    this.#vapid =
      vapid.subject && vapid.publicKey && vapid.privateKey
        ? { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey }
        : null;
  }

  /** Starts notifying the members a new message concerns; returns at once. */
  follow(message: Message): void {
    if (!this.deps.config.enabled || !this.#vapid || this.#closing.signal.aborted) return;
    const work = this.notify(message).catch((err: unknown) =>
      this.deps.log.error({ err, messageId: message.id }, 'push notifications of a message failed'),
    );
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Sends the message's pushes to every device that should get one, and resolves when each is done. */
  async notify(message: Message): Promise<void> {
    const { store, shared, config } = this.deps;
    let devices = await store.devices.toNotify(message.conversationId, message.senderId, Date.now());
    if (devices.length === 0) return;
    // A member who blocked the sender does not see the message, so is not woken for it either.
    if (message.senderId !== null) {
      const blockers = await store.safety.blockersOf(message.senderId, [...new Set(devices.map((device) => device.userId))]);
      devices = devices.filter((device) => !blockers.has(device.userId));
    }
    const online = await shared.connected([...new Set(devices.map((device) => device.userId))]);
    const away = devices.filter((device) => !online.has(device.userId));
    if (away.length === 0) return;
    const payload = JSON.stringify(await this.#payload(message, config.content));
    const topic = topicOf(message.conversationId);
    await Promise.all(away.map((device) => this.#send(device, payload, topic)));
  }

  /** Resolves once the pushes under way are done (or given up). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Stops the attempts in flight and waits for them to end. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.flush();
  }

  async #payload(message: Message, content: RelayConfig['push']['content']): Promise<PushPayload> {
    const payload: PushPayload = { type: 'message', conversationId: message.conversationId, messageId: message.id, seq: message.seq };
    if (content === 'none') return payload;
    const sender = message.senderId ? await this.deps.store.users.get(message.senderId) : null;
    payload.sender = { id: message.senderId, displayName: sender?.displayName ?? null };
    if (content === 'full') payload.text = message.text;
    return payload;
  }

  async #send(device: StoredDevice, payload: string, topic: string): Promise<void> {
    const { config, metrics, log, store } = this.deps;
    const signal = this.#closing.signal;
    let request: RequestDetails;
    try {
      request = this.#request(device, payload, topic);
    } catch (err) {
      // Keys the library cannot encrypt to: no attempt could succeed.
      metrics.pushesFailed.inc({ reason: 'refused' });
      log.warn({ err, deviceId: device.id }, 'a push could not be encrypted to its device');
      return;
    }
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let retryAfterMs: number | undefined;
      try {
        // Built again for each attempt: its VAPID token and encryption are fresh.
        const response = await this.#post(attempt === 1 ? request : this.#request(device, payload, topic));
        status = response.status;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
        await response.body?.cancel().catch(() => {});
      } catch (err) {
        if (signal.aborted) return;
        log.debug({ err, deviceId: device.id }, 'a push did not reach its push service');
      }
      if (status !== null && status >= 200 && status < 300) {
        metrics.pushesSent.inc();
        return;
      }
      if (status !== null && GONE.has(status)) {
        metrics.pushesFailed.inc({ reason: 'gone' });
        if (await store.devices.forget(device.id)) metrics.pushDevicesRemoved.inc();
        return;
      }
      const retryable = status === null || RETRYABLE(status);
      if (!retryable || attempt >= config.maxAttempts || signal.aborted) {
        const reason = status === null ? 'network' : retryable ? 'unavailable' : 'refused';
        metrics.pushesFailed.inc({ reason });
        log.warn({ deviceId: device.id, userId: device.userId, status, attempts: attempt }, `a push was not delivered (${reason})`);
        return;
      }
      const delay = retryAfterMs ?? backoffDelay(attempt, { baseDelayMs: config.baseDelayMs, maxDelayMs: MAX_DELAY_MS });
      try {
        await wait(Math.min(delay, MAX_DELAY_MS), undefined, { signal });
      } catch {
        return;
      }
    }
  }

  /** One request as `web-push` builds it: the body encrypted to the device, VAPID `Authorization`, `TTL`, `Topic`. */
  #request(device: StoredDevice, payload: string, topic: string): RequestDetails {
    return webPush.generateRequestDetails({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, payload, {
      vapidDetails: this.#vapid ?? undefined,
      TTL: this.deps.config.ttlSeconds,
      topic,
      urgency: 'high',
      contentEncoding: 'aes128gcm',
    });
  }

  /** Posts a request here rather than through `web-push`, so it goes through the address guard and has a deadline. */
  #post(request: RequestDetails): Promise<Response> {
    const { config } = this.deps;
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    return fetch(request.endpoint, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(config.timeoutMs)]),
      ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
    } as RequestInit);
  }
}

/**
 * A conversation's `Topic`: at most 32 characters of the URL-safe base64 alphabet (RFC 8030
 * §5.4), so a hash of its id rather than the id, which may be longer or use other characters.
 */
export function topicOf(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
