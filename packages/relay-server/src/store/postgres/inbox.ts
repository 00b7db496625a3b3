import { SETTINGS_COLUMNS, type SettingsRow, toSettings, toSettingsFacts } from '../rows/conversations.js';
import { IN_CONVERSATION } from '../rows/messages.js';
import type { InboxRepository, PlanSettings, SettingsInput, SettingsOutcome, UnreadTotals } from '../types.js';
import { type PostgresDb, recordEvent } from './db.js';

/** Members' own settings and unread totals in PostgreSQL. */
export class PostgresInbox implements InboxRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async settings(conversationId: string, userId: string) {
    const [row] = await this.#db.sql<SettingsRow[]>`
      SELECT ${this.#db.sql.unsafe(SETTINGS_COLUMNS)} FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
    return row ? toSettings(toSettingsFacts(row)) : null;
  }

  async updateSettings(input: SettingsInput, plan: PlanSettings): Promise<SettingsOutcome> {
    const { conversationId, userId, now } = input;
    return this.#db.transaction(async (tx): Promise<SettingsOutcome> => {
      // The user's row serializes their settings changes (two devices pinning at once cannot both pass the limit);
      // the conversation's is taken before the member's, in the order receipts and appends take them.
      await tx`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`;
      const [conversation] = await tx`SELECT 1 FROM conversations WHERE id = ${conversationId} FOR UPDATE`;
      if (!conversation) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
      const rows = await tx<Array<SettingsRow & { conversation_id: string }>>`
        SELECT conversation_id, ${tx.unsafe(SETTINGS_COLUMNS)} FROM members
        WHERE user_id = ${userId} AND (conversation_id = ${conversationId} OR pinned_at IS NOT NULL)`;
      const row = rows.find((r) => r.conversation_id === conversationId);
      if (!row) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
      const current = toSettingsFacts(row);
      const next = plan(current, rows.filter((r) => r.pinned_at !== null).length, input);
      if (next === 'TOO_MANY_PINNED_CONVERSATIONS') return { ok: false, code: next };
      if (next === null) return { ok: true, settings: toSettings(current, now), eventSeq: null };
      await tx`
        UPDATE members SET muted_until = ${next.mutedUntil}, archived = ${next.archived}, pinned_at = ${next.pinnedAt},
          marked_unread = ${next.markedUnread}
        WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
      const eventSeq = await recordEvent(tx, conversationId, 'settings.updated', null, userId, now);
      if (eventSeq === null) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
      return { ok: true, settings: toSettings(next, now), eventSeq };
    });
  }

  async clearMarkedUnread(conversationId: string, userId: string, now: number) {
    // Most reads find nothing marked: one plain read, no transaction.
    const [marked] = await this.#db.sql<{ marked_unread: boolean }[]>`
      SELECT marked_unread FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
    if (!marked?.marked_unread) return null;
    return this.#db.transaction(async (tx) => {
      await tx`SELECT 1 FROM conversations WHERE id = ${conversationId} FOR UPDATE`;
      const [row] = await tx<SettingsRow[]>`
        UPDATE members SET marked_unread = false WHERE conversation_id = ${conversationId} AND user_id = ${userId} AND marked_unread
        RETURNING ${tx.unsafe(SETTINGS_COLUMNS)}`;
      if (!row) return null;
      const eventSeq = await recordEvent(tx, conversationId, 'settings.updated', null, userId, now);
      return eventSeq === null ? null : { settings: toSettings(toSettingsFacts(row), now), eventSeq };
    });
  }

  async unreadTotals(userId: string, now: number): Promise<UnreadTotals> {
    // One row per conversation that counts (neither archived nor muted); one read to its end skips the count.
    const [row] = await this.#db.sql<UnreadTotals[]>`
      SELECT COUNT(*)::int AS conversations, COALESCE(SUM(unread), 0)::int AS messages FROM (
        SELECT m.marked_unread,
               CASE WHEN c.last_seq > m.read_seq THEN (
                 SELECT COUNT(*) FROM messages
                 WHERE conversation_id = m.conversation_id AND seq > m.read_seq
                   AND (sender_id IS NULL OR sender_id <> ${userId}) AND deleted_at IS NULL AND ${this.#db.sql.unsafe(IN_CONVERSATION)}
               ) ELSE 0 END AS unread
        FROM members m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = ${userId} AND NOT m.archived AND (m.muted_until IS NULL OR m.muted_until <= ${now})
      ) counted WHERE unread > 0 OR marked_unread`;
    return { messages: row?.messages ?? 0, conversations: row?.conversations ?? 0 };
  }
}
