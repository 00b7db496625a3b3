import type { Pin } from '@chat4all/protocol';
import { PIN_COLUMNS, type PinRow, toPin } from '../rows/pins.js';
import type { PinInput, PinOutcome, PinsRepository } from '../types.js';
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';

const FROM_PINS = `SELECT ${PIN_COLUMNS} FROM pins p JOIN messages m ON m.id = p.message_id`;
const CURRENT = 'm.deleted_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > ?)';

/** Pinned messages in SQLite. */
export class SqlitePins implements PinsRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async pin(input: PinInput): Promise<PinOutcome> {
    const { conversationId, messageId, userId, expiresAt, now } = input;
    return this.#db.transaction(() => {
      const message = this.#db.get<{ deleted_at: number | null }>(
        'SELECT deleted_at FROM messages WHERE id = ? AND conversation_id = ?',
        messageId,
        conversationId,
      );
      if (!message) return { ok: false as const, code: 'MESSAGE_NOT_FOUND' as const };
      if (message.deleted_at !== null) return { ok: false as const, code: 'MESSAGE_DELETED' as const };
      // Pins that lapsed or lost their message are gone for good: forget them, so they neither count nor linger.
      this.#db.run(
        `DELETE FROM pins WHERE conversation_id = ? AND (expires_at <= ?
           OR message_id IN (SELECT id FROM messages WHERE conversation_id = ? AND deleted_at IS NOT NULL))`,
        conversationId,
        now,
        conversationId,
      );
      const held = this.#row(conversationId, messageId, now);
      if (held && held.expires_at === expiresAt) return { ok: true as const, pin: toPin(held), eventSeq: null };
      if (!held) {
        const { count } = this.#db.get<{ count: number }>(
          'SELECT COUNT(*) AS count FROM pins WHERE conversation_id = ?',
          conversationId,
        ) ?? {
          count: 0,
        };
        if (count >= input.max) return { ok: false as const, code: 'TOO_MANY_PINS' as const };
      }
      this.#db.run(
        `INSERT INTO pins (conversation_id, message_id, pinned_by, pinned_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id, message_id) DO UPDATE SET pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at,
           expires_at = excluded.expires_at`,
        conversationId,
        messageId,
        userId,
        now,
        expiresAt,
      );
      const eventSeq = recordEvent(this.#db, conversationId, 'pin.updated', messageId, userId, now);
      return { ok: true as const, pin: toPin(this.#row(conversationId, messageId, now) as PinRow), eventSeq };
    });
  }

  async unpin(conversationId: string, messageId: string, userId: string | null, now: number) {
    return this.#db.transaction(() => {
      if (!this.#db.get('SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?', messageId, conversationId))
        return { ok: false as const, code: 'MESSAGE_NOT_FOUND' as const };
      const held = this.#row(conversationId, messageId, now);
      this.#db.run('DELETE FROM pins WHERE conversation_id = ? AND message_id = ?', conversationId, messageId);
      return { ok: true as const, eventSeq: held ? recordEvent(this.#db, conversationId, 'pin.updated', messageId, userId, now) : null };
    });
  }

  async list(conversationId: string, now: number): Promise<Pin[]> {
    return this.#db
      .all<PinRow>(`${FROM_PINS} WHERE p.conversation_id = ? AND ${CURRENT} ORDER BY p.pinned_at DESC, m.seq DESC`, conversationId, now)
      .map(toPin);
  }

  async get(conversationId: string, messageId: string, now: number): Promise<Pin | null> {
    const row = this.#row(conversationId, messageId, now);
    return row ? toPin(row) : null;
  }

  #row(conversationId: string, messageId: string, now: number): PinRow | undefined {
    return this.#db.get<PinRow>(
      `${FROM_PINS} WHERE p.conversation_id = ? AND p.message_id = ? AND ${CURRENT}`,
      conversationId,
      messageId,
      now,
    );
  }
}
