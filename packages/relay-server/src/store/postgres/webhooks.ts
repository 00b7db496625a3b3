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
import type { PostgresDb } from './db.js';

/** App webhook endpoints and their call queue in PostgreSQL. */
export class PostgresWebhooks implements WebhooksRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async create(record: WebhookRecord): Promise<void> {
    await this.#db.sql`
      INSERT INTO webhooks (id, url, events, secret, description, enabled, failures, disabled_reason, created_at, updated_at)
      VALUES (${record.id}, ${record.url}, ${JSON.stringify(record.events)}, ${record.secret}, ${record.description}, ${record.enabled},
        ${record.failures}, ${record.disabledReason}, ${record.createdAt}, ${record.updatedAt})`;
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const [row] = await this.#db.sql<WebhookRow[]>`SELECT ${this.#db.sql.unsafe(WEBHOOK_COLUMNS)} FROM webhooks WHERE id = ${id}`;
    return row ? toWebhookRecord(row) : null;
  }

  async list(): Promise<WebhookRecord[]> {
    const rows = await this.#db.sql<WebhookRow[]>`SELECT ${this.#db.sql.unsafe(WEBHOOK_COLUMNS)} FROM webhooks ORDER BY created_at, id`;
    return rows.map(toWebhookRecord);
  }

  async update(
    id: string,
    patch: Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>,
    now: number,
  ): Promise<WebhookRecord | null> {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx<WebhookRow[]>`SELECT ${tx.unsafe(WEBHOOK_COLUMNS)} FROM webhooks WHERE id = ${id} FOR UPDATE`;
      if (!row) return null;
      const next = { ...toWebhookRecord(row), ...patch, updatedAt: now };
      await tx`
        UPDATE webhooks SET url = ${next.url}, events = ${JSON.stringify(next.events)}, description = ${next.description},
          enabled = ${next.enabled}, failures = ${next.failures}, disabled_reason = ${next.disabledReason}, updated_at = ${now}
        WHERE id = ${id}`;
      return next;
    });
  }

  async countFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number) {
    const [row] = await this.#db.sql<WebhookRow[]>`
      UPDATE webhooks SET failures = CASE WHEN ${failed} THEN failures + 1 ELSE 0 END,
        enabled = CASE WHEN ${failed} AND failures + 1 >= ${disableAfter} THEN false ELSE enabled END,
        disabled_reason = CASE WHEN ${failed} AND failures + 1 >= ${disableAfter} THEN ${reason} ELSE disabled_reason END,
        updated_at = ${now}
      WHERE id = ${id} RETURNING ${this.#db.sql.unsafe(WEBHOOK_COLUMNS)}`;
    return row ? toWebhookRecord(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.sql`DELETE FROM webhooks WHERE id = ${id}`).count > 0;
  }

  async enqueueCalls(calls: readonly WebhookCall[]): Promise<void> {
    if (calls.length === 0) return;
    await this.#db.sql`INSERT INTO webhook_calls ${this.#db.sql(calls.map(webhookCallRow))} ON CONFLICT DO NOTHING`;
  }

  async claimCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]> {
    const rows = await this.#db.sql<WebhookCallRow[]>`
      UPDATE webhook_calls SET next_attempt_at = ${now + leaseMs} WHERE (webhook_id, event_id) IN (
        SELECT webhook_id, event_id FROM webhook_calls WHERE done_at IS NULL AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${this.#db.sql.unsafe(WEBHOOK_CALL_COLUMNS)}`;
    return rows.map(toWebhookCall);
  }

  async finishCall(webhookId: string, eventId: string, now: number): Promise<void> {
    await this.#db.sql`UPDATE webhook_calls SET done_at = ${now} WHERE webhook_id = ${webhookId} AND event_id = ${eventId}`;
  }

  async purgeCalls(before: number): Promise<void> {
    await this.#db.sql`DELETE FROM webhook_calls WHERE done_at < ${before}`;
  }

  async retryCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.#db.sql`
      UPDATE webhook_calls SET attempts = ${attempts}, next_attempt_at = ${nextAttemptAt}
      WHERE webhook_id = ${webhookId} AND event_id = ${eventId}`;
  }
}
