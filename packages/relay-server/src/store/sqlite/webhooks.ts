import {
  toWebhookCall,
  toWebhookRecord,
  WEBHOOK_CALL_COLUMNS,
  WEBHOOK_COLUMNS,
  type WebhookCallRow,
  type WebhookRow,
  webhookCallRow,
} from '../rows/webhooks.js';
import type { WebhookCall, WebhookRecord, WebhooksRepository } from '../types.js';
import type { SqliteDb } from './db.js';

/** App webhook endpoints and their call queue in SQLite. */
export class SqliteWebhooks implements WebhooksRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async create(record: WebhookRecord): Promise<void> {
    this.#db.run(
      `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.id,
      record.url,
      JSON.stringify(record.events),
      record.secret,
      record.description,
      record.enabled ? 1 : 0,
      record.failures,
      record.disabledReason,
      record.createdAt,
      record.updatedAt,
    );
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const row = this.#db.get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
    return row ? toWebhookRecord(row) : null;
  }

  async list(): Promise<WebhookRecord[]> {
    return this.#db.all<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`).map(toWebhookRecord);
  }

  async update(
    id: string,
    patch: Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>,
    now: number,
  ): Promise<WebhookRecord | null> {
    // Read and write in one transaction, with nothing awaited between: a failure counted meanwhile is not lost.
    return this.#db.transaction((): WebhookRecord | null => {
      const row = this.#db.get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
      if (!row) return null;
      const next = { ...toWebhookRecord(row), ...patch, updatedAt: now };
      this.#db.run(
        'UPDATE webhooks SET url = ?, events = ?, description = ?, enabled = ?, failures = ?, disabled_reason = ?, updated_at = ? WHERE id = ?',
        next.url,
        JSON.stringify(next.events),
        next.description,
        next.enabled ? 1 : 0,
        next.failures,
        next.disabledReason,
        now,
        id,
      );
      return next;
    });
  }

  async countFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number) {
    const row = this.#db.get<WebhookRow>(
      `UPDATE webhooks SET failures = CASE WHEN @failed THEN failures + 1 ELSE 0 END,
         enabled = CASE WHEN @failed AND failures + 1 >= @disableAfter THEN 0 ELSE enabled END,
         disabled_reason = CASE WHEN @failed AND failures + 1 >= @disableAfter THEN @reason ELSE disabled_reason END,
         updated_at = @now
       WHERE id = @id RETURNING ${WEBHOOK_COLUMNS}`,
      { id, failed: failed ? 1 : 0, disableAfter, reason, now },
    );
    return row ? toWebhookRecord(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.run('DELETE FROM webhooks WHERE id = ?', id).changes > 0;
  }

  async enqueueCalls(calls: readonly WebhookCall[]): Promise<void> {
    this.#db.transaction(() => {
      for (const row of calls.map(webhookCallRow)) {
        this.#db.run(
          `INSERT INTO webhook_calls (${WEBHOOK_CALL_COLUMNS}) VALUES (@webhook_id, @event_id, @type, @payload, @attempts, @next_attempt_at, @created_at)
           ON CONFLICT DO NOTHING`,
          row,
        );
      }
    });
  }

  async claimCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]> {
    return this.#db
      .all<WebhookCallRow>(
        `UPDATE webhook_calls SET next_attempt_at = ? WHERE (webhook_id, event_id) IN (
         SELECT webhook_id, event_id FROM webhook_calls WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
       RETURNING ${WEBHOOK_CALL_COLUMNS}`,
        now + leaseMs,
        now,
        limit,
      )
      .map(toWebhookCall);
  }

  async finishCall(webhookId: string, eventId: string, now: number): Promise<void> {
    this.#db.run('UPDATE webhook_calls SET done_at = ? WHERE webhook_id = ? AND event_id = ?', now, webhookId, eventId);
  }

  async purgeCalls(before: number): Promise<void> {
    this.#db.run('DELETE FROM webhook_calls WHERE done_at < ?', before);
  }

  async retryCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void> {
    this.#db.run(
      'UPDATE webhook_calls SET attempts = ?, next_attempt_at = ? WHERE webhook_id = ? AND event_id = ?',
      attempts,
      nextAttemptAt,
      webhookId,
      eventId,
    );
  }
}
