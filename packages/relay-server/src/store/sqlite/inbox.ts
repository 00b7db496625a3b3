import { SETTINGS_COLUMNS, type SettingsRow, toSettings, toSettingsFacts } from '../rows/conversations.js';
import { IN_CONVERSATION } from '../rows/messages.js';
import type { InboxRepository, PlanSettings, SettingsInput, SettingsOutcome, UnreadTotals } from '../types.js';
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';

/**
 * Unread messages per conversation of the user's that counts (neither archived nor muted), one
 * row per conversation; a conversation read to its end skips the count.
 */
const UNREAD_TOTALS = `
  SELECT COUNT(*) AS conversations, COALESCE(SUM(unread), 0) AS messages FROM (
    SELECT m.marked_unread,
           CASE WHEN c.last_seq > m.read_seq THEN (
             SELECT COUNT(*) FROM messages
             WHERE conversation_id = m.conversation_id AND seq > m.read_seq AND (sender_id IS NULL OR sender_id <> @userId) AND deleted_at IS NULL
               AND ${IN_CONVERSATION}
           ) ELSE 0 END AS unread
    FROM members m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.user_id = @userId AND m.archived = 0 AND (m.muted_until IS NULL OR m.muted_until <= @now)
  ) WHERE unread > 0 OR marked_unread = 1`;

/** Members' own settings and unread totals in SQLite. */
export class SqliteInbox implements InboxRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async settings(conversationId: string, userId: string) {
    const row = this.#db.get<SettingsRow>(
      `SELECT ${SETTINGS_COLUMNS} FROM members WHERE conversation_id = ? AND user_id = ?`,
      conversationId,
      userId,
    );
    return row ? toSettings(toSettingsFacts(row)) : null;
  }

  async updateSettings(input: SettingsInput, plan: PlanSettings): Promise<SettingsOutcome> {
    const { conversationId, userId, now } = input;
    return this.#db.transaction((): SettingsOutcome => {
      const row = this.#db.get<SettingsRow>(
        `SELECT ${SETTINGS_COLUMNS} FROM members WHERE conversation_id = ? AND user_id = ?`,
        conversationId,
        userId,
      );
      if (!row) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
      const current = toSettingsFacts(row);
      const pinned = this.#db.get<{ n: number }>('SELECT COUNT(*) AS n FROM members WHERE user_id = ? AND pinned_at IS NOT NULL', userId);
      const next = plan(current, pinned?.n ?? 0, input);
      if (next === 'TOO_MANY_PINNED_CONVERSATIONS') return { ok: false, code: next };
      if (next === null) return { ok: true, settings: toSettings(current, now), eventSeq: null };
      this.#db.run(
        'UPDATE members SET muted_until = ?, archived = ?, pinned_at = ?, marked_unread = ? WHERE conversation_id = ? AND user_id = ?',
        next.mutedUntil,
        next.archived ? 1 : 0,
        next.pinnedAt,
        next.markedUnread ? 1 : 0,
        conversationId,
        userId,
      );
      const eventSeq = recordEvent(this.#db, conversationId, 'settings.updated', null, userId, now);
      return { ok: true, settings: toSettings(next, now), eventSeq };
    });
  }

  async clearMarkedUnread(conversationId: string, userId: string, now: number) {
    return this.#db.transaction(() => {
      const row = this.#db.get<SettingsRow>(
        `UPDATE members SET marked_unread = 0 WHERE conversation_id = ? AND user_id = ? AND marked_unread = 1 RETURNING ${SETTINGS_COLUMNS}`,
        conversationId,
        userId,
      );
      if (!row) return null;
      const eventSeq = recordEvent(this.#db, conversationId, 'settings.updated', null, userId, now);
      return { settings: toSettings(toSettingsFacts(row), now), eventSeq };
    });
  }

  async unreadTotals(userId: string, now: number): Promise<UnreadTotals> {
    const row = this.#db.get<UnreadTotals>(UNREAD_TOTALS, { userId, now });
    return { messages: row?.messages ?? 0, conversations: row?.conversations ?? 0 };
  }
}
