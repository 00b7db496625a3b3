import type { OutboundMessage, SendResult } from '@chat4all/connectors';
import { BrokenCircuitError, type CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import type { Logger } from 'pino';
import type { RelayConfig } from '../config.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { SpanKind, type Tracing } from '../observability/tracing.js';
import { type AttemptError, type AttemptEvent, nextAttempt, takeable } from '../queue/attempts.js';
import { Rerun } from '../queue/rerun.js';
import type { WorkItem, WorkQueue } from '../queue/types.js';
import type { SharedState } from '../shared/types.js';
import type { DeliveryPatch, DeliveryRecord, Store } from '../store/types.js';
import { platformIdOf } from './changes.js';
import type { Channel, Channels } from './channels.js';
import { type DeliveryService, deliveryError } from './deliveries.js';
import type { ChannelHealthService } from './health.js';

/** How often a delivery held by an account on hold is looked at again (a resume makes it due at once). */
export const HOLD_RECHECK_MS = 60_000;

/** One attempt of one delivery: the work item. `attempt` is how many attempts came before, so a repeated item is done once. */
export interface DispatchItem {
  deliveryId: string;
  attempt: number;
  /** The trace context of the send, when this node traced it: the attempt's span is its child. */
  traceparent?: string;
}

/**
 * Sends messages to contacts on their channels. Deliveries are rows in the store, written
 * with the message; each node looks for the ones due (new, retries, or held by a worker
 * that died) and puts them on the work queue, whose workers (a consumer group when scaled)
 * send them. A worker first takes the attempt in the store (compare-and-set on the attempt
 * count), so an item handed out twice is sent once. Per channel account: the platform's
 * send rates (shared by all nodes) and a circuit breaker (per node).
 */
export class Dispatcher {
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();
  #timer: NodeJS.Timeout | undefined;
  #worker: { stop(): Promise<void> } | undefined;
  readonly #polls: Rerun;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'contacts' | 'deliveries' | 'messages'>;
      channels: Channels;
      deliveries: DeliveryService;
      health: ChannelHealthService;
      shared: SharedState;
      queue: WorkQueue<DispatchItem>;
      config: RelayConfig['dispatch'];
      metrics: RelayMetrics;
      log: Logger;
      /** A span per attempt, the child of the send's trace when this node remembered it. */
      tracing: Pick<Tracing, 'enabled' | 'span' | 'extract' | 'recall' | 'annotate' | 'detached'>;
      /** A link the platform can fetch an upload from; null when the relay has no public URL. */
      fileUrl(uploadId: string): Promise<string | null>;
      /** An upload's bytes, for platforms that take files as uploads. */
      fileBytes(uploadId: string): Promise<Uint8Array>;
    },
  ) {
    this.#polls = new Rerun(
      deps.tracing.detached(() => this.#poll()),
      (err) => deps.log.error({ err }, 'looking for due deliveries failed'),
    );
    for (const channel of deps.channels.all()) {
      const breaker = circuitBreaker(handleAll, {
        halfOpenAfter: deps.config.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(deps.config.breakerFailures),
      });
      breaker.onStateChange((state) => {
        deps.metrics.circuitState.set({ channel: channel.id }, state === CircuitState.Closed ? 0 : state === CircuitState.HalfOpen ? 1 : 2);
        deps.log.warn({ channelId: channel.id, state: CircuitState[state] }, 'channel circuit changed');
      });
      deps.metrics.circuitState.set({ channel: channel.id }, 0);
      this.#breakers.set(channel.id, breaker);
    }
  }

  start(): void {
    if (this.deps.channels.size === 0) return;
    this.#worker = this.deps.queue.work((item) => this.handle(item));
    this.#timer = setInterval(() => this.wake(), this.deps.config.pollIntervalMs);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (coalesced: one look at a time, and one more if asked meanwhile). */
  wake(): void {
    if (this.deps.channels.size > 0) this.#polls.wake();
  }

  async #poll(): Promise<void> {
    const { store, queue, config, health } = this.deps;
    await health.refresh();
    for (;;) {
      const due = await store.deliveries.claimDue(Date.now(), config.leaseMs, 100);
      for (const delivery of due) {
        const traceparent = this.deps.tracing.recall(delivery.messageId);
        await queue.enqueue({ deliveryId: delivery.id, attempt: delivery.attempts, ...(traceparent && { traceparent }) });
      }
      if (due.length < 100) return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polls.close();
    await this.#worker?.stop();
  }

  /** One item: rate limits, the attempt taken in the store, the send through the breaker, the outcome recorded. */
  async handle(item: WorkItem<DispatchItem>): Promise<void> {
    const { tracing } = this.deps;
    if (!tracing.enabled) return this.#handle(item.payload);
    const { deliveryId, attempt, traceparent } = item.payload;
    const attributes = { 'chat4all.delivery_id': deliveryId, 'chat4all.attempt': attempt + 1 };
    await tracing.span('chat4all.dispatch', { kind: SpanKind.CONSUMER, parent: tracing.extract(traceparent), attributes }, () =>
      this.#handle(item.payload),
    );
  }

  async #handle(payload: DispatchItem): Promise<void> {
    const { store, config, metrics } = this.deps;
    const { deliveryId, attempt } = payload;
    const current = await store.deliveries.get({ id: deliveryId });
    if (!current || !takeable(current, attempt)) return;
    const target = await this.#route(current);
    if (!target) {
      await this.#fail(current, attempt, {
        code: 'NO_CHANNEL',
        platformCode: null,
        message: 'The contact has no identity on a configured channel',
      });
      return;
    }
    const { channel, recipientId, lastInboundAt } = target;
    this.deps.tracing.annotate({ 'chat4all.channel_id': channel.id, 'chat4all.channel': channel.type });
    if (this.deps.health.held(channel.id)) {
      // Read again: another node may have resumed the account since this one last looked.
      await this.deps.health.refresh();
      if (this.deps.health.held(channel.id)) {
        await this.#hold(current, attempt, channel, recipientId, null, current.parts);
        return;
      }
    }
    // Over a rate: wait for it without spending an attempt.
    const throttled = await this.#rates(channel, recipientId);
    if (throttled !== null) {
      metrics.dispatchOutcomes.inc({ channel: channel.id, outcome: 'throttled', code: 'RATE_LIMITED' });
      await this.#apply(deliveryId, attempt, { type: 'throttled', waitMs: throttled });
      return;
    }
    const taken = await this.#apply(deliveryId, attempt, { type: 'taken', leaseMs: config.leaseMs }, (d) => ({
      channelId: channel.id,
      channel: channel.type,
      recipientId,
      // Parts sent on another account are not this one's.
      ...(d.channelId !== null && d.channelId !== channel.id ? { parts: [] } : {}),
    }));
    if (!taken) return;
    const message = await this.#outbound(taken, channel, recipientId, lastInboundAt);
    if (!message.ok) {
      await this.#fail(taken, attempt + 1, message.error);
      return;
    }
    const breaker = this.#breakers.get(channel.id) as CircuitBreakerPolicy;
    let result: SendResult;
    try {
      result = await breaker.execute(async () => {
        const sent = await channel.connector.send(message.value);
        // Retryable failures of the account count against its circuit; a refusal of one message, a failure about one
        // recipient, or a refusal of the account's credentials does not.
        const retryable = !sent.ok && (sent.error.retry === 'backoff' || sent.error.retry === 'after');
        if (retryable && sent.error.scope !== 'recipient') throw new RetryableSendError(sent);
        return sent;
      });
    } catch (error) {
      if (error instanceof RetryableSendError) result = error.result;
      else if (error instanceof BrokenCircuitError) {
        metrics.dispatchOutcomes.inc({ channel: channel.id, outcome: 'circuit_open', code: 'CIRCUIT_OPEN' });
        // Not an attempt: the platform was not called. Try again when the circuit half-opens.
        await this.#apply(deliveryId, attempt + 1, {
          type: 'circuit-open',
          waitMs: config.breakerHalfOpenAfterMs,
          error: { code: 'CIRCUIT_OPEN', platformCode: null, message: `The circuit of ${channel.id} is open after repeated failures` },
        });
        return;
      } else {
        result = { ok: false, error: { code: 'INTERNAL', platformCode: null, message: String(error), retry: 'backoff' } };
      }
    }
    await this.#record(taken, attempt + 1, channel, result);
  }

  /** Takes one send from the account's rate and the recipient's (a group's is stricter), shared by every node: null, or how long to wait. */
  async #rates(channel: Channel, recipientId: string): Promise<number | null> {
    const recipientRate = channel.connector.isGroup?.(recipientId) ? channel.rates.group : channel.rates.recipient;
    for (const [name, key, rate] of [
      ['channel', channel.id, channel.rates.account],
      ['recipient', `${channel.id}:${recipientId}`, recipientRate],
    ] as const) {
      const decision = await this.deps.shared.consume(`dispatch:${name}`, key, rate).catch(() => ({ ok: true as const }));
      if (!decision.ok) return decision.retryAfterMs;
    }
    return null;
  }

  async #record(delivery: DeliveryRecord, attempts: number, channel: Channel, result: SendResult): Promise<void> {
    await this.#outcome(delivery, attempts, channel, result);
    // The next message to this contact may be waiting for this one.
    this.wake();
  }

  async #outcome(delivery: DeliveryRecord, attempts: number, channel: Channel, result: SendResult): Promise<void> {
    const { deliveries, metrics } = this.deps;
    if (result.ok) {
      metrics.dispatchOutcomes.inc({ channel: channel.id, outcome: 'sent', code: '' });
      await deliveries.sent(delivery.id, attempts, channel.id, result.externalId, result.parts ?? []);
      // The chat moved (a Telegram group became a supergroup): the contact's identity follows it, once the send is recorded.
      if (result.recipientId && delivery.recipientId && result.recipientId !== delivery.recipientId)
        await this.deps.store.contacts
          .moveIdentity(channel.id, delivery.recipientId, result.recipientId)
          .catch((err: unknown) => this.deps.log.warn({ err, channelId: channel.id }, 'could not move a contact to its chat’s new id'));
      return;
    }
    const { error } = result;
    // The parts that went before the failure are kept, so the next attempt sends only the rest.
    const parts = result.parts ? { parts: result.parts } : {};
    if (error.retry === 'hold') {
      await this.deps.health.hold(channel, error);
      await this.#hold(delivery, attempts, channel, delivery.recipientId, error, result.parts ?? delivery.parts);
      return;
    }
    if (error.retry === 'never') {
      await this.#fail(delivery, attempts, deliveryError(error) as NonNullable<DeliveryRecord['error']>, channel.id, parts);
      return;
    }
    const retryAfterMs = error.retry === 'after' ? error.retryAfterMs : undefined;
    const failed = { type: 'failed', error: deliveryError(error) as AttemptError, retryAfterMs } as const;
    const updated = await this.#apply(delivery.id, attempts, failed, () => parts);
    metrics.dispatchOutcomes.inc({ channel: channel.id, outcome: updated?.dead ? 'dead_lettered' : 'retry', code: error.code });
  }

  /** Final: the message cannot reach the contact this way (refused by the platform, no channel, no file link). */
  async #fail(
    delivery: DeliveryRecord,
    attempts: number,
    error: NonNullable<DeliveryRecord['error']>,
    channelId = '',
    parts: { parts?: string[] } = {},
  ): Promise<void> {
    this.deps.metrics.dispatchOutcomes.inc({ channel: channelId || (delivery.channelId ?? ''), outcome: 'failed', code: error.code });
    await this.#apply(delivery.id, attempts, { type: 'refused', error }, () => parts);
    this.wake();
  }

  /**
   * Waits while the account is on hold. Not an attempt: when this one reached the platform,
   * the count goes back to what it was. Due again at the recheck, or at once on a resume;
   * `held` in its history once per hold.
   */
  async #hold(
    delivery: DeliveryRecord,
    attempts: number,
    channel: Channel,
    recipientId: string | null,
    error: Parameters<typeof deliveryError>[0] | null,
    parts: string[],
  ): Promise<void> {
    this.deps.metrics.dispatchOutcomes.inc({ channel: channel.id, outcome: 'held', code: error?.code ?? 'CHANNEL_HELD' });
    const held = {
      type: 'held',
      recheckMs: HOLD_RECHECK_MS,
      reached: error !== null,
      error: error ? (deliveryError(error) as AttemptError) : null,
    } as const;
    await this.#apply(delivery.id, attempts, held, () => ({ channelId: channel.id, channel: channel.type, recipientId, parts }));
  }

  /**
   * Applies an event to a delivery through the attempt machine, with the fields the event
   * brings (`extra`); nothing when the attempt is no longer the worker's. Returns the delivery as it now is.
   */
  async #apply(
    id: string,
    attempt: number,
    event: AttemptEvent,
    extra: (current: DeliveryRecord) => DeliveryPatch = () => ({}),
  ): Promise<DeliveryRecord | null> {
    return this.deps.deliveries.update({ id }, (current) => {
      const change = nextAttempt(current, attempt, event, this.deps.config, Date.now());
      return change ? { ...extra(current), ...change } : null;
    });
  }

  /** The contact's preferred channel account, else the one it last wrote on, among those configured. */
  async #route(delivery: DeliveryRecord): Promise<{ channel: Channel; recipientId: string; lastInboundAt: string | null } | null> {
    const contact = await this.deps.store.contacts.get(delivery.contactId);
    const route = contact ? this.deps.channels.routeFor(contact) : null;
    if (!route) return null;
    return { channel: route.channel, recipientId: route.identity.externalId, lastInboundAt: route.identity.lastInboundAt };
  }

  async #outbound(
    delivery: DeliveryRecord,
    channel: Channel,
    recipientId: string,
    lastInboundAt: string | null,
  ): Promise<{ ok: true; value: OutboundMessage } | { ok: false; error: NonNullable<DeliveryRecord['error']> }> {
    const { store } = this.deps;
    const message = await store.messages.get(delivery.conversationId, delivery.messageId);
    if (!message || message.deletedAt)
      return { ok: false, error: { code: 'MESSAGE_DELETED', platformCode: null, message: 'The message was deleted before it was sent' } };
    // A contact's message carried to another contact (across channels) says who wrote it.
    const relayed = message.senderId?.startsWith('contact:') && message.senderId !== delivery.contactId;
    const author = relayed ? await authorName(store, message.senderId as string) : null;
    const value: OutboundMessage = {
      id: message.id,
      recipientId,
      text: author && message.text ? `${author}: ${message.text}` : message.text,
      metadata: message.metadata,
      human: message.kind !== 'system' && message.senderId !== null,
      lastInboundAt,
      sentParts: delivery.parts,
      // Each part's id is kept as it goes, and the lease renewed, so a long message is neither repeated nor taken twice.
      // Every part counts toward the platform's rates: a further part waits for its turn.
      beforePart: async () => {
        for (let wait = await this.#rates(channel, recipientId); wait !== null; wait = await this.#rates(channel, recipientId))
          await new Promise((resolve) => setTimeout(resolve, wait as number));
      },
      onPart: async (parts) => {
        await this.deps.deliveries.update({ id: delivery.id }, (d) =>
          takeable(d, delivery.attempts) ? { parts: [...parts], nextAttemptAt: Date.now() + this.deps.config.leaseMs } : null,
        );
      },
    };
    if (message.content?.type === 'location' || message.content?.type === 'contacts') value.content = message.content;
    if (message.attachment) {
      const { uploadId, name, type, size } = message.attachment;
      value.file = { url: await this.deps.fileUrl(uploadId), name, type, size, bytes: () => this.deps.fileBytes(uploadId) };
    }
    if (message.replyTo) {
      const external = await platformIdOf(this.deps.store, {
        conversationId: delivery.conversationId,
        messageId: message.replyTo,
        contactId: delivery.contactId,
        channelId: delivery.channelId,
      });
      if (external) value.replyToExternalId = external;
    }
    return { ok: true, value };
  }
}

const PLATFORM_NAMES: Record<string, string> = {
  whatsapp: 'WhatsApp',
  instagram: 'Instagram',
  messenger: 'Messenger',
  telegram: 'Telegram',
};

/** A contact's name as the platform gave it, else which platform they write from: never their platform id. */
async function authorName(store: Pick<Store, 'contacts'>, contactId: string): Promise<string> {
  const contact = await store.contacts.get(contactId);
  const named = contact?.identities.find((i) => i.displayName);
  if (named?.displayName) return named.displayName;
  const channel = contact?.identities[0]?.channel;
  return `${PLATFORM_NAMES[channel ?? ''] ?? 'A'} contact`;
}

class RetryableSendError extends Error {
  constructor(readonly result: SendResult) {
    super('retryable send failure');
  }
}
