/** An app's webhook endpoint. Times in epoch ms. */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Event types it gets (`message.created`…), or `*` for all. */
  events: string[];
  /** Standard Webhooks secret (`whsec_…`). */
  secret: string;
  description: string | null;
  enabled: boolean;
  /** Calls failed in a row (each after all its retries); reset by a success. */
  failures: number;
  /** Why the relay turned it off, if it did. */
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One event to POST to one endpoint, retried until done. */
export interface WebhookCall {
  webhookId: string;
  /** The event's id: the same for every retry (`webhook-id`), so receivers can drop repeats. */
  eventId: string;
  type: string;
  /** The JSON body, exactly as signed. */
  payload: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

/** What an endpoint's owner (or the relay) may change. */
export type WebhookPatch = Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>;

/** The app's webhook endpoints and the queue of calls to them. */
export interface WebhooksRepository {
  create(record: WebhookRecord): Promise<void>;
  get(id: string): Promise<WebhookRecord | null>;
  list(): Promise<WebhookRecord[]>;
  /** Changes an endpoint; null when there is none. */
  update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | null>;
  /**
   * Counts one more failed call of an endpoint (atomically, as calls run concurrently), and
   * turns it off with `reason` when that makes `disableAfter` in a row; 0 resets the count.
   */
  countFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number): Promise<WebhookRecord | null>;
  /** Deletes an endpoint and its pending calls; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Queues calls; a call queued (or done, until purged) for the same endpoint and event id is not queued again. */
  enqueueCalls(calls: readonly WebhookCall[]): Promise<void>;
  /** Calls due by `now`, at most `limit`, each leased (its `nextAttemptAt` pushed to `now + leaseMs`) so one caller gets it. */
  claimCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]>;
  /** Done (delivered, given up, or its endpoint gone): kept, so the same event is not queued again, until purged. */
  finishCall(webhookId: string, eventId: string, now: number): Promise<void>;
  /** Forgets calls done before `before`. */
  purgeCalls(before: number): Promise<void>;
  /** Schedules the next attempt of a call. */
  retryCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void>;
}
