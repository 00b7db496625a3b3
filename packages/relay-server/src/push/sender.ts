import { createHash } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type { DeviceKind, Message, PushPayload } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { backoffDelay } from '../queue/attempts.js';
import type { SharedState } from '../shared/types.js';
import type { Store, StoredDevice } from '../store/types.js';
import { ApnsProvider } from './providers/apns.js';
import { FcmProvider } from './providers/fcm.js';
import type { PushOutcome, PushProvider } from './providers/provider.js';
import { WebPushProvider } from './providers/webpush.js';

export interface PushSenderDeps {
  store: Pick<Store, 'devices' | 'users'>;
  shared: Pick<SharedState, 'connected'>;
  config: RelayConfig['push'];
  log: Pick<Logger, 'warn' | 'error' | 'debug'>;
  metrics: Pick<RelayMetrics, 'pushesSent' | 'pushesFailed' | 'pushDevicesRemoved'>;
}

/** Backoff between attempts of one push is capped at this, whatever `baseDelayMs`. */
const MAX_DELAY_MS = 60_000;

/**
 * Pushes after each committed message: the devices of the conversation's members other than
 * the sender, who have not muted it and have no live socket on any node, each get one push
 * through their kind's provider (Web Push, FCM, APNs: `providers/`), posted off the send path,
 * with the conversation's collapse key, so a push still waiting at the push service is
 * replaced by the next one of the same conversation. A device its provider says is gone is
 * removed; a provider's 429, 5xx and network failures are tried again on this node, at most
 * `maxAttempts` times with jittered backoff (or the provider's `Retry-After`), then logged and
 * counted: a push is a hint, the message itself is stored and reaches the user on their next sync.
 */
export class PushSender {
  readonly #pending = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  /** The providers the relay is configured for; a device of another kind is not pushed to. */
  readonly #providers = new Map<DeviceKind, PushProvider>();

  constructor(private readonly deps: PushSenderDeps) {
    const { config } = deps;
    const { vapid, fcm, apns } = config;
    if (vapid.subject && vapid.publicKey && vapid.privateKey)
      this.#providers.set(
        'webpush',
        new WebPushProvider(config, { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey }),
      );
    if (fcm.serviceAccount || fcm.serviceAccountFile) this.#providers.set('fcm', new FcmProvider(config));
    if (apns.keyId && apns.teamId && (apns.privateKey || apns.privateKeyFile) && apns.topic)
      this.#providers.set('apns', new ApnsProvider(config));
  }

  /** Starts notifying the members a new message concerns; returns at once. */
  follow(message: Message): void {
    if (!this.deps.config.enabled || this.#providers.size === 0 || this.#closing.signal.aborted) return;
    const work = this.notify(message).catch((err: unknown) =>
      this.deps.log.error({ err, messageId: message.id }, 'push notifications of a message failed'),
    );
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Sends the message's pushes to every device that should get one, and resolves when each is done. */
  async notify(message: Message): Promise<void> {
    const { store, shared, config } = this.deps;
    const devices = await store.devices.toNotify(message.conversationId, message.senderId, Date.now());
    if (devices.length === 0) return;
    const online = await shared.connected([...new Set(devices.map((device) => device.userId))]);
    const away = devices.filter((device) => !online.has(device.userId));
    if (away.length === 0) return;
    const payload = await this.#payload(message, config.content);
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
    await Promise.all([...this.#providers.values()].map((provider) => provider.close?.()));
  }

  async #payload(message: Message, content: RelayConfig['push']['content']): Promise<PushPayload> {
    const payload: PushPayload = { type: 'message', conversationId: message.conversationId, messageId: message.id, seq: message.seq };
    if (content === 'none') return payload;
    const sender = message.senderId ? await this.deps.store.users.get(message.senderId) : null;
    payload.sender = { id: message.senderId, displayName: sender?.displayName ?? null };
    if (content === 'full') payload.text = message.text;
    return payload;
  }

  /** The attempts of one push to one device, whatever its provider. */
  async #send(device: StoredDevice, payload: PushPayload, topic: string): Promise<void> {
    const { config, metrics, log, store } = this.deps;
    const provider = this.#providers.get(device.kind);
    if (!provider) return;
    const labels = { provider: provider.kind };
    const signal = this.#closing.signal;
    for (let attempt = 1; ; attempt++) {
      let outcome: PushOutcome | null = null;
      try {
        outcome = await provider.send(device, payload, topic, signal);
      } catch (err) {
        if (signal.aborted) return;
        log.debug({ err, deviceId: device.id, provider: provider.kind }, 'a push did not reach its push service');
      }
      if (outcome?.kind === 'sent') {
        metrics.pushesSent.inc(labels);
        return;
      }
      if (outcome?.kind === 'gone') {
        metrics.pushesFailed.inc({ ...labels, reason: 'gone' });
        if (await store.devices.forget(device.id)) metrics.pushDevicesRemoved.inc(labels);
        return;
      }
      const retryable = outcome === null || outcome.kind === 'retry';
      if (!retryable || attempt >= config.maxAttempts || signal.aborted) {
        const reason = outcome === null ? 'network' : retryable ? 'unavailable' : 'refused';
        metrics.pushesFailed.inc({ ...labels, reason });
        log.warn(
          { deviceId: device.id, userId: device.userId, provider: provider.kind, answer: outcome?.detail, attempts: attempt },
          `a push was not delivered (${reason})`,
        );
        return;
      }
      const retryAfterMs = outcome?.kind === 'retry' ? outcome.afterMs : undefined;
      const delay = retryAfterMs ?? backoffDelay(attempt, { baseDelayMs: config.baseDelayMs, maxDelayMs: MAX_DELAY_MS });
      try {
        await wait(Math.min(delay, MAX_DELAY_MS), undefined, { signal });
      } catch {
        return;
      }
    }
  }
}

/**
 * A conversation's `Topic`: at most 32 characters of the URL-safe base64 alphabet (RFC 8030
 * §5.4), so a hash of its id rather than the id, which may be longer or use other characters.
 */
export function topicOf(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}
