import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The relay's Prometheus metrics, on a registry of its own so several relays in one
 * process (tests, embedding) never share counters.
 */
export class RelayMetrics {
  readonly registry = new Registry();

  readonly sockets: Gauge;
  readonly messagesAppended = new Counter({
    name: 'chat4all_messages_appended_total',
    help: 'Messages committed to the store (retries of a stored id not counted)',
    registers: [this.registry],
  });
  readonly sendAckSeconds = new Histogram({
    name: 'chat4all_send_ack_seconds',
    help: 'From a send reaching the relay to its ack (validation, queueing and commit)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly commitBatchSize = new Histogram({
    name: 'chat4all_commit_batch_size',
    help: 'Writes per group-commit transaction',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'chat4all_commit_seconds',
    help: 'Duration of one group-commit transaction',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers: [this.registry],
  });
  readonly fanoutSeconds = new Histogram({
    name: 'chat4all_fanout_seconds',
    help: 'From publishing an event on the bus to handing it to every local socket',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly resumes = new Counter({ name: 'chat4all_resumes_total', help: 'Resume requests served', registers: [this.registry] });
  readonly replayedMessages = new Counter({
    name: 'chat4all_replayed_messages_total',
    help: 'Messages sent by resume replays',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'chat4all_rate_limited_total',
    help: 'Requests refused by a rate limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'chat4all_errors_total',
    help: 'Errors answered, by code',
    labelNames: ['code', 'transport'] as const,
    registers: [this.registry],
  });

  readonly dispatchOutcomes = new Counter({
    name: 'chat4all_dispatch_total',
    help: 'Channel send attempts by outcome (sent, retry, failed, dead_lettered, throttled, circuit_open) and our error code',
    labelNames: ['channel', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  readonly channelChanges = new Counter({
    name: 'chat4all_channel_changes_total',
    help: 'App users’ reactions, edits and deletes passed to channels, by kind and outcome (sent, failed)',
    labelNames: ['channel', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly circuitState = new Gauge({
    name: 'chat4all_circuit_state',
    help: 'Circuit breaker of each channel account on this node: 0 closed, 1 half-open, 2 open',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly channelHeld = new Gauge({
    name: 'chat4all_channel_held',
    help: 'Channel accounts on hold because the platform refused their credentials: 1 held, 0 active',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly inboundEvents = new Counter({
    name: 'chat4all_inbound_events_total',
    help: 'Platform webhook events taken in, by channel and kind (message, status), and webhooks refused',
    labelNames: ['channel', 'kind'] as const,
    registers: [this.registry],
  });
  readonly webhookCalls = new Counter({
    name: 'chat4all_webhook_calls_total',
    help: 'App webhook calls by outcome (delivered, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly moderationDecisions = new Counter({
    name: 'chat4all_moderation_decisions_total',
    help: 'Sends of new messages moderated, one count each for what became of the message, by action (allow, mask, replace, reject) and source (rules, hook, fallback, stored: a retry given the decision made before); edits not included',
    labelNames: ['action', 'source'] as const,
    registers: [this.registry],
  });
  readonly moderationEditDecisions = new Counter({
    name: 'chat4all_moderation_edit_decisions_total',
    help: "Edits' new text checked by the content rules, by action (allow, mask, reject)",
    labelNames: ['action'] as const,
    registers: [this.registry],
  });
  readonly beforeSendCalls = new Counter({
    name: 'chat4all_before_send_calls_total',
    help: "Calls of the app's before-send hook by outcome (allow, reject, replace, fallback)",
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly beforeSendFallbacks = new Counter({
    name: 'chat4all_before_send_fallbacks_total',
    help: 'Before-send calls given the fallback, by reason (timeout, unreachable, address, status, too_large, invalid)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly beforeSendSeconds = new Histogram({
    name: 'chat4all_before_send_seconds',
    help: "Duration of one call of the app's before-send hook, answered or not",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly linkPreviews = new Counter({
    name: 'chat4all_link_previews_total',
    help: 'Links looked up for previews by outcome (found, none, refused, failed, skipped), cache hits not counted',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly pushesSent = new Counter({
    name: 'chat4all_pushes_sent_total',
    help: 'Push notifications the push service accepted, by provider (webpush, fcm, apns)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly pushesFailed = new Counter({
    name: 'chat4all_pushes_failed_total',
    help: 'Push notifications not delivered, by provider (webpush, fcm, apns) and reason (gone, refused, unavailable, network)',
    labelNames: ['provider', 'reason'] as const,
    registers: [this.registry],
  });
  readonly pushDevicesRemoved = new Counter({
    name: 'chat4all_push_devices_removed_total',
    help: 'Devices removed because their push service said the subscription or token is gone, by provider (webpush, fcm, apns)',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  readonly dataExports = new Counter({
    name: 'chat4all_data_exports_total',
    help: 'Data export builds by outcome (ready, retried, failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly erasures = new Counter({
    name: 'chat4all_erasures_total',
    help: 'Users and contacts erased, by kind (user, contact)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: 'chat4all_retention_deleted_total',
    help: 'Messages and files the retention sweep deleted, by what (messages, files)',
    labelNames: ['what'] as const,
    registers: [this.registry],
  });
  readonly deadLetters: Gauge;

  #socketCount: () => number = () => 0;
  #deadLetterCount: (() => Promise<number>) | undefined;

  /** `socketCount` and `deadLetterCount` may also be given later, by the feature that knows them. */
  constructor(options: { socketCount?: () => number; deadLetterCount?: () => Promise<number> } = {}) {
    if (options.socketCount) this.#socketCount = options.socketCount;
    this.#deadLetterCount = options.deadLetterCount;
    const metrics = this;
    this.deadLetters = new Gauge({
      name: 'chat4all_dead_letters',
      help: 'Channel deliveries waiting in the dead-letter queue (all nodes)',
      registers: [this.registry],
      async collect() {
        if (metrics.#deadLetterCount) this.set(await metrics.#deadLetterCount());
      },
    });
    this.sockets = new Gauge({
      name: 'chat4all_sockets',
      help: 'Open WebSocket connections on this node',
      registers: [this.registry],
      collect() {
        this.set(metrics.#socketCount());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'chat4all_' });
    // Series whose values are known in advance exist at 0 from the start: a rate over a counter
    // that first appears at 1 (after a restart, say) would miss that first count.
    for (const outcome of ['delivered', 'retry', 'failed']) this.webhookCalls.inc({ outcome }, 0);
    for (const outcome of ['allow', 'reject', 'replace', 'fallback']) this.beforeSendCalls.inc({ outcome }, 0);
    for (const reason of ['timeout', 'unreachable', 'address', 'status', 'too_large', 'invalid'])
      this.beforeSendFallbacks.inc({ reason }, 0);
    for (const provider of ['webpush', 'fcm', 'apns']) {
      this.pushesSent.inc({ provider }, 0);
      this.pushDevicesRemoved.inc({ provider }, 0);
      for (const reason of ['gone', 'refused', 'unavailable', 'network']) this.pushesFailed.inc({ provider, reason }, 0);
    }
  }

  /** Where `chat4all_sockets` reads this node's open sockets. */
  countSocketsWith(count: () => number): void {
    this.#socketCount = count;
  }

  /** Where `chat4all_dead_letters` reads the dead-letter queue's length. */
  countDeadLettersWith(count: () => Promise<number>): void {
    this.#deadLetterCount = count;
  }
}
