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
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';

/** Channel deliveries, early statuses and channel holds in SQLite. */
export class SqliteDeliveries implements DeliveriesRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  #delivery(key: DeliveryKey): DeliveryRow | undefined {
    return 'id' in key
      ? this.#db.get<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`, key.id)
      : (this.#db.get<DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE channel_id = ? AND external_id = ?`,
          key.channelId,
          key.externalId,
        ) ??
          this.#db.get<DeliveryRow>(
            `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = (SELECT delivery_id FROM delivery_parts WHERE channel_id = ? AND external_id = ?)`,
            key.channelId,
            key.externalId,
          ));
  }

  async get(key: DeliveryKey): Promise<DeliveryRecord | null> {
    const row = this.#delivery(key);
    return row ? toDeliveryRecord(row) : null;
  }

  async keepEarlyStatus(status: EarlyStatus & { channelId: string; externalId: string }, forgetBefore: number): Promise<void> {
    this.#db.run('DELETE FROM early_statuses WHERE at < ?', forgetBefore);
    this.#db.run(
      'INSERT INTO early_statuses (channel_id, external_id, status, at, error) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      status.channelId,
      status.externalId,
      status.status,
      status.at,
      status.error === null ? null : JSON.stringify(status.error),
    );
  }

  async takeEarlyStatuses(channelId: string, externalId: string): Promise<EarlyStatus[]> {
    const rows = this.#db.all<{ status: EarlyStatus['status']; at: number; error: string | null }>(
      'DELETE FROM early_statuses WHERE channel_id = ? AND external_id = ? RETURNING status, at, error',
      channelId,
      externalId,
    );
    return rows.map(toEarlyStatus).sort((a, b) => a.at - b.at);
  }

  async listTo(channelId: string, recipientId: string, before: number, status: 'delivered' | 'read', limit: number) {
    return this.#db
      .all<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE channel_id = ? AND recipient_id = ?
         AND (status = 'sent' OR (? = 'read' AND status = 'delivered')) AND created_at <= ? ORDER BY created_at LIMIT ?`,
        channelId,
        recipientId,
        status,
        before,
        limit,
      )
      .map(toDeliveryRecord);
  }

  async listForMessage(messageId: string): Promise<DeliveryRecord[]> {
    return this.#db
      .all<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE message_id = ? ORDER BY contact_id`, messageId)
      .map(toDeliveryRecord);
  }

  async listForMessages(conversationId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]> {
    return this.#db
      .all<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries
         WHERE message_id IN (SELECT value FROM json_each(?)) AND conversation_id = ? ORDER BY message_id, contact_id`,
        JSON.stringify(messageIds),
        conversationId,
      )
      .map(toDeliveryRecord);
  }

  async update(key: DeliveryKey, decide: (current: DeliveryRecord) => DeliveryPatch | null, apply: ApplyDeliveryPatch, now: number) {
    return this.#db.transaction(() => {
      const row = this.#delivery(key);
      if (!row) return null;
      const patch = decide(toDeliveryRecord(row));
      if (!patch) return null;
      const { next: record, visible } = apply(toDeliveryRecord(row), patch, now);
      const next = deliveryRow(record);
      this.#db.run(
        `UPDATE deliveries SET channel_id = @channel_id, channel = @channel, recipient_id = @recipient_id, status = @status,
           external_id = @external_id, error = @error, attempts = @attempts, next_attempt_at = @next_attempt_at, dead = @dead,
           history = @history, parts = @parts, part_statuses = @part_statuses, updated_at = @updated_at WHERE id = @id`,
        { ...next, dead: next.dead ? 1 : 0 },
      );
      // Each part's id finds its delivery, for the statuses the platform reports per part.
      const parts = JSON.parse(next.parts) as string[];
      if (next.channel_id !== null && parts.length > 1)
        this.#db.run(
          `INSERT INTO delivery_parts (channel_id, external_id, delivery_id) SELECT ?, value, ? FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING`,
          next.channel_id,
          next.id,
          next.parts,
        );
      const eventSeq = visible
        ? recordEvent(this.#db, next.conversation_id, 'delivery.updated', next.message_id, next.contact_id, now)
        : null;
      return { delivery: toDeliveryRecord(next), eventSeq };
    });
  }

  async claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    return this.#db
      .all<DeliveryRow>(
        `UPDATE deliveries SET next_attempt_at = ? WHERE id IN (
         SELECT d.id FROM deliveries d WHERE d.next_attempt_at <= ? AND d.status = 'pending' AND d.dead = 0
           AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.conversation_id = d.conversation_id AND e.contact_id = d.contact_id
             AND e.status = 'pending' AND e.dead = 0 AND e.seq < d.seq)
         ORDER BY d.next_attempt_at LIMIT ?)
       RETURNING ${DELIVERY_COLUMNS}`,
        now + leaseMs,
        now,
        limit,
      )
      .map(toDeliveryRecord);
  }

  async listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]> {
    return this.#db
      .all<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE dead = 1 AND (? IS NULL OR channel_id = ?)
         AND (? IS NULL OR (created_at, id) > (SELECT created_at, id FROM deliveries WHERE id = ?))
       ORDER BY created_at, id LIMIT ?`,
        page.channelId ?? null,
        page.channelId ?? null,
        page.after,
        page.after,
        page.limit,
      )
      .map(toDeliveryRecord);
  }

  async countDeadLetters(): Promise<number> {
    return (this.#db.get<{ n: number }>('SELECT count(*) AS n FROM deliveries WHERE dead = 1') as { n: number }).n;
  }

  async listHolds(): Promise<ChannelHold[]> {
    return this.#db.all<ChannelHoldRow>('SELECT * FROM channel_holds ORDER BY channel_id').map(toChannelHold);
  }

  async setHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      if (hold)
        return (
          this.#db.run(
            'INSERT INTO channel_holds (channel_id, code, platform_code, message, since) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
            channelId,
            hold.code,
            hold.platformCode,
            hold.message,
            hold.since,
          ).changes > 0
        );
      if (this.#db.run('DELETE FROM channel_holds WHERE channel_id = ?', channelId).changes === 0) return false;
      this.#db.run(
        `UPDATE deliveries SET next_attempt_at = ? WHERE channel_id = ? AND status = 'pending' AND dead = 0 AND next_attempt_at IS NOT NULL
           AND json_extract(history, '$[#-1].status') = 'held'`,
        now,
        channelId,
      );
      return true;
    });
  }
}
