import { randomUUID } from 'node:crypto';
import { generateWebhookSecret, httpError, signWebhook } from '@chat4all/connectors';
import type { Logger } from 'pino';
import type { BusEnvelope } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { assertPublicUrl, parseHttpUrl, publicOnly } from '../http/public-addresses.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { SpanKind, type Tracing } from '../observability/tracing.js';
import { nextAttempt } from '../queue/attempts.js';
import { Rerun } from '../queue/rerun.js';
import type { Store, WebhookCall, WebhookRecord } from '../store/types.js';

/** The event types apps can subscribe to. */
export const WEBHOOK_EVENTS = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'pin.updated',
  'delivery.updated',
  'receipt',
  'conversation.created',
  'conversation.updated',
  'member.added',
  'member.updated',
  'member.removed',
  'contact.created',
  'channel.health',
  'report.created',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The setting that lets endpoints be on private addresses, named when one is refused. */
const ALLOWED_BY = 'webhooks.allowPrivateAddresses';

/** An endpoint as the API shows it (the secret included: only the server API key sees it). */
export function webhookView(record: WebhookRecord) {
  return {
    id: record.id,
    url: record.url,
    events: record.events,
    secret: record.secret,
    description: record.description,
    enabled: record.enabled,
    failures: record.failures,
    disabledReason: record.disabledReason,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

/**
 * App webhooks: endpoints registered through the server API get the relay's events as JSON
 * POSTs signed per Standard Webhooks. Each event is queued in the store once per endpoint
 * (keyed by a stable event id, which is also the `webhook-id` header, so receivers can drop
 * repeats), then sent by whichever node claims it, retried with full-jitter backoff; an
 * endpoint whose calls fail `disableAfterFailures` times in a row is turned off.
 */
export class WebhookService {
  #endpoints: { at: number; list: WebhookRecord[] } | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #drains: Rerun;
  #purgedAt = 0;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'webhooks'>;
      config: RelayConfig['webhooks'];
      log: Logger;
      metrics: RelayMetrics;
      fetch?: typeof fetch;
      /** A client span per call, the child of the change's trace when this node published it; its `traceparent` is sent along. */
      tracing?: Pick<Tracing, 'enabled' | 'span' | 'extract' | 'remember' | 'recall' | 'traceparent' | 'detached'>;
    },
  ) {
    this.#drains = new Rerun(deps.tracing ? deps.tracing.detached(() => this.#drain()) : () => this.#drain(), (err) =>
      deps.log.error({ err }, 'webhook calls failed'),
    );
  }

  async create(input: { url: string; events: string[]; description?: string | null }): Promise<WebhookRecord> {
    await this.#checkUrl(input.url);
    const now = Date.now();
    const record: WebhookRecord = {
      id: `wh_${randomUUID().replaceAll('-', '')}`,
      url: input.url,
      events: input.events,
      secret: generateWebhookSecret(),
      description: input.description ?? null,
      enabled: true,
      failures: 0,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.webhooks.create(record);
    this.#endpoints = undefined;
    return record;
  }

  /** Every endpoint, enabled or not. */
  list(): Promise<WebhookRecord[]> {
    return this.deps.store.webhooks.list();
  }

  async get(id: string): Promise<WebhookRecord> {
    const record = await this.deps.store.webhooks.get(id);
    if (!record) throw new RelayError('WEBHOOK_NOT_FOUND', `Webhook ${id} not found`);
    return record;
  }

  async update(id: string, patch: { url?: string; events?: string[]; description?: string | null; enabled?: boolean }) {
    if (patch.url !== undefined) await this.#checkUrl(patch.url);
    // Turning an endpoint back on starts its failure count afresh.
    const reset = patch.enabled ? { failures: 0, disabledReason: null } : {};
    const record = await this.deps.store.webhooks.update(id, { ...patch, ...reset }, Date.now());
    if (!record) throw new RelayError('WEBHOOK_NOT_FOUND', `Webhook ${id} not found`);
    this.#endpoints = undefined;
    return record;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.store.webhooks.delete(id))) throw new RelayError('WEBHOOK_NOT_FOUND', `Webhook ${id} not found`);
    this.#endpoints = undefined;
  }

  /** Called for what this node publishes: durable conversation events become webhook events. */
  observe(envelope: BusEnvelope): void {
    if (envelope.kind !== 'conversation') return;
    // Most relays have no endpoints: then a message costs nothing here (the list is re-read every second).
    if (this.#endpoints && this.#endpoints.list.length === 0 && Date.now() - this.#endpoints.at <= 1000) return;
    const { event } = envelope;
    let id: string;
    switch (event.type) {
      case 'typing':
      case 'member.restricted':
      // A user's own settings are theirs alone.
      case 'conversation.settings':
        return;
      case 'message.created':
        id = `message.created:${event.message.id}`;
        break;
      case 'conversation.created':
        // Also sent to members added later, as their snapshot: only a new conversation (told to every member) is an event.
        if (envelope.to && envelope.to.length < event.members.length) return;
        id = `conversation.created:${event.conversation.id}`;
        break;
      case 'conversation.updated':
        id = `${event.type}:${event.conversation.id}:${event.eventSeq}`;
        break;
      default:
        if (event.eventSeq === undefined) return;
        id = `${event.type}:${envelope.conversationId}:${event.eventSeq}`;
    }
    const { type, ...data } = event;
    this.emit(type, id, data);
  }

  /** Queues an event for every enabled endpoint that takes it. */
  emit(type: WebhookEvent, id: string, data: unknown): void {
    this.deps.tracing?.remember(`webhook:${id}`);
    void this.#emit(type, id, data).catch((err: unknown) => this.deps.log.error({ err, type, id }, 'queueing webhook calls failed'));
  }

  async #emit(type: WebhookEvent, id: string, data: unknown): Promise<void> {
    const endpoints = (await this.#enabled()).filter((e) => e.events.includes('*') || e.events.includes(type));
    if (endpoints.length === 0) return;
    const now = Date.now();
    const payload = JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
    await this.deps.store.webhooks.enqueueCalls(
      endpoints.map((endpoint) => ({
        webhookId: endpoint.id,
        eventId: id,
        type,
        payload,
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
      })),
    );
    this.wake();
  }

  /** The enabled endpoints, read from the store at most once a second per node. */
  async #enabled(): Promise<WebhookRecord[]> {
    if (!this.#endpoints || Date.now() - this.#endpoints.at > 1000)
      this.#endpoints = { at: Date.now(), list: (await this.deps.store.webhooks.list()).filter((e) => e.enabled) };
    return this.#endpoints.list;
  }

  start(): void {
    this.#timer = setInterval(() => this.wake(), this.deps.config.pollIntervalMs);
    this.#timer.unref();
  }

  /** Sends the calls that are due now (one drain at a time, and one more if woken meanwhile). */
  wake(): void {
    this.#drains.wake();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#drains.close();
  }

  async #drain(): Promise<void> {
    const { store, config } = this.deps;
    // Done calls are remembered for a day, so an event published again (a retried send) is not sent again.
    if (Date.now() - this.#purgedAt > 3600_000) {
      this.#purgedAt = Date.now();
      await store.webhooks.purgeCalls(Date.now() - 24 * 3600_000);
    }
    for (;;) {
      const calls = await store.webhooks.claimCalls(Date.now(), config.timeoutMs * 2, 50);
      await Promise.all(calls.map((call) => this.#call(call)));
      if (calls.length < 50) return;
    }
  }

  #call(call: WebhookCall): Promise<void> {
    const { tracing } = this.deps;
    if (!tracing?.enabled) return this.#attempt(call);
    const parent = tracing.extract(tracing.recall(`webhook:${call.eventId}`));
    const attributes = { 'chat4all.webhook_id': call.webhookId, 'chat4all.event_id': call.eventId, 'chat4all.attempt': call.attempts + 1 };
    return tracing.span(`chat4all.webhook ${call.type}`, { kind: SpanKind.CLIENT, parent, attributes }, () => this.#attempt(call));
  }

  async #attempt(call: WebhookCall): Promise<void> {
    const { store, config, metrics } = this.deps;
    const endpoint = await store.webhooks.get(call.webhookId);
    if (!endpoint?.enabled) {
      await store.webhooks.finishCall(call.webhookId, call.eventId, Date.now());
      return;
    }
    const failure = await this.#post(endpoint, call);
    if (failure === null) {
      metrics.webhookCalls.inc({ outcome: 'delivered' });
      await store.webhooks.finishCall(call.webhookId, call.eventId, Date.now());
      if (endpoint.failures > 0) await store.webhooks.countFailure(endpoint.id, false, config.disableAfterFailures, '', Date.now());
      return;
    }
    // The call is this worker's (claimed and leased): the attempt machine decides between trying again and giving up.
    const attempts = call.attempts + 1;
    const error = { code: failure.retry ? 'UNAVAILABLE' : 'REFUSED', platformCode: null, message: failure.message };
    const event = failure.retry
      ? ({ type: 'failed', error, retryAfterMs: failure.retryAfterMs } as const)
      : ({ type: 'refused', error } as const);
    const change = nextAttempt({ status: 'pending', attempts, dead: false, history: [] }, attempts, event, config, Date.now());
    if (change?.nextAttemptAt) {
      metrics.webhookCalls.inc({ outcome: 'retry' });
      await store.webhooks.retryCall(call.webhookId, call.eventId, attempts, change.nextAttemptAt);
      return;
    }
    metrics.webhookCalls.inc({ outcome: 'failed' });
    await store.webhooks.finishCall(call.webhookId, call.eventId, Date.now());
    const counted = await store.webhooks.countFailure(
      endpoint.id,
      true,
      config.disableAfterFailures,
      `${config.disableAfterFailures} calls failed in a row; last: ${failure.message}`,
      Date.now(),
    );
    const disabled = counted !== null && !counted.enabled;
    this.deps.log.warn({ webhookId: endpoint.id, eventId: call.eventId, failure: failure.message, disabled }, 'webhook call failed');
    if (disabled) this.#endpoints = undefined;
  }

  /** One POST: null when the endpoint took it (2xx), else why not and whether to try again. */
  async #post(endpoint: WebhookRecord, call: WebhookCall): Promise<{ message: string; retry: boolean; retryAfterMs?: number } | null> {
    try {
      if (!this.deps.config.allowPrivateAddresses) await assertPublicUrl(endpoint.url, ALLOWED_BY);
    } catch (error) {
      return { message: (error as Error).message, retry: false };
    }
    let response: Response;
    try {
      response = await (this.deps.fetch ?? fetch)(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'chat4all-webhooks',
          ...signWebhook(endpoint.secret, call.payload, call.eventId),
          ...traceHeader(this.deps.tracing?.traceparent()),
        },
        body: call.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.deps.config.timeoutMs),
        ...(this.deps.config.allowPrivateAddresses ? {} : { dispatcher: publicOnly() }),
      } as RequestInit);
    } catch (error) {
      // Refused at connect (the name now resolves to a private address): as final as the check before the call.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof RelayError && cause.code === 'WEBHOOK_ADDRESS_REFUSED') return { message: cause.message, retry: false };
      return { message: String(error), retry: true };
    }
    await response.body?.cancel().catch(() => {});
    if (response.ok) return null;
    const error = httpError(response, `${endpoint.url} answered ${response.status}`);
    return {
      message: error.message,
      retry: error.retry !== 'never',
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }

  async #checkUrl(url: string): Promise<void> {
    if (this.deps.config.allowPrivateAddresses) parseHttpUrl(url);
    else await assertPublicUrl(url, ALLOWED_BY);
  }
}

function traceHeader(traceparent: string | undefined): Record<string, string> {
  return traceparent ? { traceparent } : {};
}
