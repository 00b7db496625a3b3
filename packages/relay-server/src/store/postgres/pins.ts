import type { Pin } from '@chat4all/protocol';
import { PIN_COLUMNS, type PinRow, toPin } from '../rows/pins.js';
import type { PinInput, PinOutcome, PinsRepository } from '../types.js';
import { type PostgresDb, type Query, recordEvent } from './db.js';

/** Pinned messages in PostgreSQL. */
export class PostgresPins implements PinsRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async pin(input: PinInput): Promise<PinOutcome> {
    const { conversationId, messageId, userId, expiresAt, now } = input;
    return this.#db.transaction(async (tx) => {
      // The conversation's row first: two pins of one conversation take turns, so the limit holds.
      await tx`SELECT 1 FROM conversations WHERE id = ${conversationId} FOR UPDATE`;
      const [message] = await tx<{ deleted_at: number | null }[]>`
        SELECT deleted_at FROM messages WHERE id = ${messageId} AND conversation_id = ${conversationId}`;
      if (!message) return { ok: false as const, code: 'MESSAGE_NOT_FOUND' as const };
      if (message.deleted_at !== null) return { ok: false as const, code: 'MESSAGE_DELETED' as const };
      // Pins that lapsed or lost their message are gone for good: forget them, so they neither count nor linger.
      await tx`
        DELETE FROM pins WHERE conversation_id = ${conversationId} AND (expires_at <= ${now}
          OR message_id IN (SELECT id FROM messages WHERE conversation_id = ${conversationId} AND deleted_at IS NOT NULL))`;
      const held = await pinRow(tx, conversationId, messageId, now);
      if (held && (held.expires_at === null ? null : Number(held.expires_at)) === expiresAt)
        return { ok: true as const, pin: toPin(held), eventSeq: null };
      if (!held) {
        const [row] = await tx<{ count: number }[]>`SELECT COUNT(*)::int AS count FROM pins WHERE conversation_id = ${conversationId}`;
        if ((row?.count ?? 0) >= input.max) return { ok: false as const, code: 'TOO_MANY_PINS' as const };
      }
      await tx`
        INSERT INTO pins (conversation_id, message_id, pinned_by, pinned_at, expires_at)
        VALUES (${conversationId}, ${messageId}, ${userId}, ${now}, ${expiresAt})
        ON CONFLICT (conversation_id, message_id) DO UPDATE SET pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at,
          expires_at = excluded.expires_at`;
      const eventSeq = await recordEvent(tx, conversationId, 'pin.updated', messageId, userId, now);
      return { ok: true as const, pin: toPin((await pinRow(tx, conversationId, messageId, now)) as PinRow), eventSeq };
    });
  }

  async unpin(conversationId: string, messageId: string, userId: string | null, now: number) {
    return this.#db.transaction(async (tx) => {
      const [message] = await tx`SELECT 1 FROM messages WHERE id = ${messageId} AND conversation_id = ${conversationId}`;
      if (!message) return { ok: false as const, code: 'MESSAGE_NOT_FOUND' as const };
      const held = await pinRow(tx, conversationId, messageId, now);
      const removed = await tx`DELETE FROM pins WHERE conversation_id = ${conversationId} AND message_id = ${messageId}`;
      const changed = held !== undefined && removed.count > 0;
      return { ok: true as const, eventSeq: changed ? await recordEvent(tx, conversationId, 'pin.updated', messageId, userId, now) : null };
    });
  }

  async list(conversationId: string, now: number): Promise<Pin[]> {
    const { sql } = this.#db;
    const rows = await sql<PinRow[]>`
      SELECT ${sql.unsafe(PIN_COLUMNS)} FROM pins p JOIN messages m ON m.id = p.message_id
      WHERE p.conversation_id = ${conversationId} AND m.deleted_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > ${now})
      ORDER BY p.pinned_at DESC, m.seq DESC`;
    return rows.map(toPin);
  }

  async get(conversationId: string, messageId: string, now: number): Promise<Pin | null> {
    const row = await pinRow(this.#db.sql, conversationId, messageId, now);
    return row ? toPin(row) : null;
  }
}

async function pinRow(q: Query, conversationId: string, messageId: string, now: number): Promise<PinRow | undefined> {
  const [row] = await q<PinRow[]>`
    SELECT ${q.unsafe(PIN_COLUMNS)} FROM pins p JOIN messages m ON m.id = p.message_id
    WHERE p.conversation_id = ${conversationId} AND p.message_id = ${messageId}
      AND m.deleted_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > ${now})`;
  return row;
}
