import {
  type ChannelHoldRow,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  deliveryRow,
  toChannelHold,
  toDeliveryRecord,
  toEarlyStatus,
} from '../rows/deliveries.js';
import type {
  ApplyDeliveryPatch,
  ChannelHold,
  DeliveriesRepository,
  DeliveryKey,
  DeliveryPatch,
  DeliveryRecord,
  EarlyStatus,
} from '../types.js';
import { type PostgresDb, type Query, recordEvent } from './db.js';

/** Channel deliveries, early statuses and channel holds in PostgreSQL. */
export class PostgresDeliveries implements DeliveriesRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async get(key: DeliveryKey): Promise<DeliveryRecord | null> {
    const [row] = await deliveryRows(this.#db.sql, key, false);
    return row ? toDeliveryRecord(row) : null;
  }

  async keepEarlyStatus(status: EarlyStatus & { channelId: string; externalId: string }, forgetBefore: number): Promise<void> {
    await this.#db.sql`DELETE FROM early_statuses WHERE at < ${forgetBefore}`;
    await this.#db.sql`
      INSERT INTO early_statuses (channel_id, external_id, status, at, error)
      VALUES (${status.channelId}, ${status.externalId}, ${status.status}, ${status.at}, ${status.error === null ? null : JSON.stringify(status.error)})
      ON CONFLICT DO NOTHING`;
  }

  async takeEarlyStatuses(channelId: string, externalId: string): Promise<EarlyStatus[]> {
    const rows = await this.#db.sql<{ status: EarlyStatus['status']; at: number; error: string | null }[]>`
      DELETE FROM early_statuses WHERE channel_id = ${channelId} AND external_id = ${externalId} RETURNING status, at, error`;
    return rows.map(toEarlyStatus).sort((a, b) => a.at - b.at);
  }

  async listTo(channelId: string, recipientId: string, before: number, status: 'delivered' | 'read', limit: number) {
    const rows = await this.#db.sql<DeliveryRow[]>`
      SELECT ${this.#db.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries
      WHERE channel_id = ${channelId} AND recipient_id = ${recipientId} AND created_at <= ${before}
        AND (status = 'sent' OR (${status} = 'read' AND status = 'delivered'))
      ORDER BY created_at LIMIT ${limit}`;
    return rows.map(toDeliveryRecord);
  }

  async listForMessage(messageId: string): Promise<DeliveryRecord[]> {
    const rows = await this.#db.sql<DeliveryRow[]>`
      SELECT ${this.#db.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries WHERE message_id = ${messageId} ORDER BY contact_id`;
    return rows.map(toDeliveryRecord);
  }

  async listForMessages(conversationId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]> {
    const rows = await this.#db.sql<DeliveryRow[]>`
      SELECT ${this.#db.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries
      WHERE message_id = ANY(${messageIds as string[]}::text[]) AND conversation_id = ${conversationId} ORDER BY message_id, contact_id`;
    return rows.map(toDeliveryRecord);
  }

  async update(key: DeliveryKey, decide: (current: DeliveryRecord) => DeliveryPatch | null, apply: ApplyDeliveryPatch, now: number) {
    return this.#db.transaction(async (tx) => {
      const [row] = await deliveryRows(tx, key, true);
      if (!row) return null;
      const patch = decide(toDeliveryRecord(row));
      if (!patch) return null;
      const { next: record, visible } = apply(toDeliveryRecord(row), patch, now);
      const next = deliveryRow(record);
      await tx`
        UPDATE deliveries SET channel_id = ${next.channel_id}, channel = ${next.channel}, recipient_id = ${next.recipient_id},
          status = ${next.status}, external_id = ${next.external_id}, error = ${next.error}, attempts = ${next.attempts},
          next_attempt_at = ${next.next_attempt_at}, dead = ${Boolean(next.dead)}, history = ${next.history}, parts = ${next.parts},
          part_statuses = ${next.part_statuses}, updated_at = ${now}
        WHERE id = ${next.id}`;
      // Each part's id finds its delivery, for the statuses the platform reports per part.
      const parts = JSON.parse(next.parts) as string[];
      if (next.channel_id !== null && parts.length > 1)
        await tx`
          INSERT INTO delivery_parts (channel_id, external_id, delivery_id)
          SELECT ${next.channel_id}, unnest(${parts}::text[]), ${next.id}
          ON CONFLICT DO NOTHING`;
      const eventSeq = visible
        ? await recordEvent(tx, next.conversation_id, 'delivery.updated', next.message_id, next.contact_id, now)
        : null;
      return { delivery: toDeliveryRecord(next), eventSeq };
    });
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.#db.sql<DeliveryRow[]>`
      UPDATE deliveries SET next_attempt_at = ${now + leaseMs} WHERE id IN (
        SELECT d.id FROM deliveries d WHERE d.next_attempt_at <= ${now} AND d.status = 'pending' AND NOT d.dead
          AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.conversation_id = d.conversation_id AND e.contact_id = d.contact_id
            AND e.status = 'pending' AND NOT e.dead AND e.seq < d.seq)
        ORDER BY d.next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${this.#db.sql.unsafe(DELIVERY_COLUMNS)}`;
    return rows.map(toDeliveryRecord);
  }

  async listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]> {
    const channelId = page.channelId ?? null;
    const rows = await this.#db.sql<DeliveryRow[]>`
      SELECT ${this.#db.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries
      WHERE dead AND (${channelId}::text IS NULL OR channel_id = ${channelId})
        AND (${page.after}::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM deliveries WHERE id = ${page.after}))
      ORDER BY created_at, id LIMIT ${page.limit}`;
    return rows.map(toDeliveryRecord);
  }

  async countDeadLetters(): Promise<number> {
    const [row] = await this.#db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE dead`;
    return row?.n ?? 0;
  }

  async listHolds(): Promise<ChannelHold[]> {
    const rows = await this.#db.sql<ChannelHoldRow[]>`SELECT * FROM channel_holds ORDER BY channel_id`;
    return rows.map(toChannelHold);
  }

  async setHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean> {
    if (hold) {
      const inserted = await this.#db.sql`
        INSERT INTO channel_holds (channel_id, code, platform_code, message, since)
        VALUES (${channelId}, ${hold.code}, ${hold.platformCode}, ${hold.message}, ${hold.since}) ON CONFLICT DO NOTHING`;
      return inserted.count > 0;
    }
    return this.#db.transaction(async (tx) => {
      const removed = await tx`DELETE FROM channel_holds WHERE channel_id = ${channelId}`;
      if (removed.count === 0) return false;
      await tx`
        UPDATE deliveries SET next_attempt_at = ${now}
        WHERE channel_id = ${channelId} AND status = 'pending' AND NOT dead AND next_attempt_at IS NOT NULL
          AND (history::jsonb -> -1 ->> 'status') = 'held'`;
      return true;
    });
  }
}

function deliveryRows(q: Query, key: DeliveryKey, lock: boolean) {
  const where =
    'id' in key
      ? q`id = ${key.id}`
      : q`(channel_id = ${key.channelId} AND external_id = ${key.externalId})
          OR id = (SELECT delivery_id FROM delivery_parts WHERE channel_id = ${key.channelId} AND external_id = ${key.externalId})`;
  return q<DeliveryRow[]>`SELECT ${q.unsafe(DELIVERY_COLUMNS)} FROM deliveries WHERE ${where} ${lock ? q`FOR UPDATE` : q``}`;
}
