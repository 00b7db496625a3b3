import { createHash } from 'node:crypto';
import { setImmediate as setImmediatePromise, setTimeout as wait } from 'node:timers/promises';
import type { DeviceKind, Message, PushPayload, PushReadPayload, PushReason } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { backoffDelay } from '../queue/attempts.js';
import type { SharedState } from '../shared/types.js';
import type { PushRecipient, Store, StoredDevice } from '../store/types.js';
import { ApnsProvider } from './providers/apns.js';
import { FcmProvider } from './providers/fcm.js';
import type { PushOutcome, PushProvider } from './providers/provider.js';
import { WebPushProvider } from './providers/webpush.js';

export interface PushSenderDeps {
  store: Pick<Store, 'devices' | 'users' | 'pushPreferences' | 'safety'>;
  shared: Pick<SharedState, 'connected' | 'presence' | 'markNotified' | 'takeNotified'>;
  config: RelayConfig['push'];
  log: Pick<Logger, 'warn' | 'error' | 'debug'>;
  metrics: Pick<RelayMetrics, 'pushesSent' | 'pushesFailed' | 'pushDevicesRemoved'>;
}

/** Backoff between attempts of one push is capped at this, whatever `baseDelayMs`. */
const MAX_DELAY_MS = 60_000;
/** How long a push waits for a read to clear it: beyond a week, a notification still shown is left to the user. */
const NOTIFIED_NOTE_MS = 7 * 24 * 3_600_000;

/**
 * Pushes after each committed message: each device of the conversation's members other than
 * the sender gets one push when its user is away and the message concerns them
 * (`reasonFor`: their preferences and mutes), through its kind's provider (Web Push, FCM,
 * APNs: `providers/`), posted off the send path. Away is no live socket on any node, or, with
 * `push.awayAfterMs`, no frame on any of their sockets for that long (the last-seen time the
 * presence tracker keeps in the shared state). Each carries the conversation's collapse key,
 * so a push still waiting at the push service is replaced by the next one of the same
 * conversation, and by the `read` push its user's next read sends. A device its provider says
 * is gone is removed; a provider's 429, 5xx and network failures are tried again on this node,
 * at most `maxAttempts` times with jittered backoff (or the provider's `Retry-After`), then
 * logged and counted: a push is a hint, the message itself is stored and reaches the user on
 * their next sync.
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
    // In a later turn of the event loop, so the recipients' query and the encryption do not hold up the sender's ack.
    this.#track(
      setImmediatePromise()
        .then(() => this.notify(message))
        .catch((err: unknown) => this.deps.log.error({ err, messageId: message.id }, 'push notifications of a message failed')),
    );
  }

  /** Starts clearing the pushes of a conversation its member just read; returns at once. */
  followRead(conversationId: string, userId: string, readSeq: number): void {
    if (!this.deps.config.enabled || this.#providers.size === 0 || this.#closing.signal.aborted) return;
    this.#track(
      this.clear(conversationId, userId, readSeq).catch((err: unknown) =>
        this.deps.log.error({ err, conversationId, userId }, 'clearing the pushes of a read conversation failed'),
      ),
    );
  }

  /** Sends the message's pushes to every device that should get one, and resolves when each is done. */
  async notify(message: Message): Promise<void> {
    const { store, shared, config } = this.deps;
    const now = Date.now();
    const recipients = await store.pushPreferences.recipients({
      conversationId: message.conversationId,
      senderId: message.senderId,
      threadId: message.threadId,
      now,
    });
    let chosen = recipients.flatMap((recipient) => {
      const reason = reasonFor(message, recipient, config.mentionsInMutedConversations);
      return reason ? [{ device: recipient.device, reason }] : [];
    });
    if (chosen.length === 0) return;
    // A member who blocked the sender does not see the message, so is not woken for it either.
    if (message.senderId !== null) {
      const blockers = await store.safety.blockersOf(message.senderId, [...new Set(chosen.map(({ device }) => device.userId))]);
      chosen = chosen.filter(({ device }) => !blockers.has(device.userId));
      if (chosen.length === 0) return;
    }
    const away = await this.#away([...new Set(chosen.map(({ device }) => device.userId))], now);
    const targets = chosen.filter(({ device }) => away.has(device.userId));
    if (targets.length === 0) return;
    // Noted before the posts, so a read racing them still finds something to clear.
    await Promise.all(
      [...new Set(targets.map(({ device }) => device.userId))].map((userId) =>
        shared.markNotified(userId, message.conversationId, message.seq, NOTIFIED_NOTE_MS).catch((err: unknown) => {
          this.deps.log.warn({ err, userId }, 'a push could not be noted for clearing on read');
        }),
      ),
    );
    const payload = await this.#payload(message, config.content);
    const topic = topicOf(message.conversationId);
    await Promise.all(targets.map(({ device, reason }) => this.#send(device, withReason(payload, reason), topic)));
  }

  /**
   * After the user read the conversation up to `readSeq`, and only when it covers the last
   * message they were pushed about since their previous clear: a `read` push to each of their
   * devices, under the conversation's topic. A read short of that push sends none, since it
   * would replace that push, unread, where it waits. The device they read on gets it too
   * (devices and sockets are not paired); its service worker finds nothing left to close.
   */
  async clear(conversationId: string, userId: string, readSeq: number): Promise<void> {
    if (!(await this.deps.shared.takeNotified(userId, conversationId, readSeq))) return;
    const devices = await this.deps.store.devices.list(userId);
    const payload: PushReadPayload = { type: 'read', conversationId, seq: readSeq };
    const topic = topicOf(conversationId);
    await Promise.all(devices.map((device) => this.#send(device, payload, topic)));
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

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /** Of the users, those away: no live socket on any node, or (with `awayAfterMs`) not seen on one for that long. */
  async #away(userIds: string[], now: number): Promise<Set<string>> {
    const { shared, config } = this.deps;
    const online = await shared.connected(userIds);
    const away = new Set(userIds.filter((userId) => !online.has(userId)));
    if (config.awayAfterMs === 0 || online.size === 0) return away;
    for (const { userId, lastSeenAt } of await shared.presence([...online])) {
      if (lastSeenAt === null || now - Date.parse(lastSeenAt) >= config.awayAfterMs) away.add(userId);
    }
    return away;
  }

  /** What every push of the message carries, but its `reason`; the sender and text as `push.content` says. */
  async #payload(message: Message, content: RelayConfig['push']['content']): Promise<Omit<PushPayload, 'reason'>> {
    const payload: Omit<PushPayload, 'reason'> = {
      type: 'message',
      conversationId: message.conversationId,
      messageId: message.id,
      seq: message.seq,
    };
    if (message.threadId !== null) payload.threadId = message.threadId;
    if (content === 'none') return payload;
    const sender = message.senderId ? await this.deps.store.users.get(message.senderId) : null;
    payload.sender = { id: message.senderId, displayName: sender?.displayName ?? null };
    if (content === 'full') payload.text = message.text;
    return payload;
  }

  /** The attempts of one push to one device, whatever its provider. */
  async #send(device: StoredDevice, payload: PushPayload | PushReadPayload, topic: string): Promise<void> {
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
 * Why the message notifies the recipient, or null when it does not: a mention of them (by id or
 * `mentionsAll`) when they take mentions; a reply in a thread they take part in when they take
 * thread replies; any message that shows in the conversation when they take messages, the first
 * of these that applies. In a conversation they muted only a mention notifies, and only with
 * `mutedMentions` (theirs, or `mutedMentionsDefault` until they set it).
 */
export function reasonFor(message: Message, recipient: PushRecipient, mutedMentionsDefault: boolean): PushReason | null {
  const { preferences, muted, participant, device } = recipient;
  const mentioned = preferences.mentions && (message.mentionsAll || message.mentions.includes(device.userId));
  if (muted) return mentioned && (preferences.mutedMentions ?? mutedMentionsDefault) ? 'mention' : null;
  if (mentioned) return 'mention';
  if (message.threadId !== null && participant && preferences.threadReplies) return 'reply';
  if ((message.threadId === null || message.showInConversation) && preferences.messages) return 'message';
  return null;
}

/** The payload with its reason, the fields in the documented order. */
function withReason(payload: Omit<PushPayload, 'reason'>, reason: PushReason): PushPayload {
  const { type, conversationId, messageId, seq, ...rest } = payload;
  return { type, conversationId, messageId, seq, reason, ...rest };
}

/**
 * A conversation's `Topic`: at most 32 characters of the URL-safe base64 alphabet (RFC 8030
 * §5.4), so a hash of its id rather than the id, which may be longer or use other characters.
 */
export function topicOf(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}
