import type { ReportStatus } from '@chat4all/protocol';
import { REPORT_COLUMNS, RESTRICTION_COLUMNS, type ReportRow, type RestrictionRow, toReport, toRestriction } from '../rows/safety.js';
import type { SafetyRepository, SendRestrictions, StoredBlock, StoredReport, StoredRestriction } from '../types.js';
import type { SqliteDb } from './db.js';

/** Blocks, mutes, bans and reports in SQLite. */
export class SqliteSafety implements SafetyRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async block(blockerId: string, blockedId: string, now: number): Promise<boolean> {
    return (
      this.#db.run(
        'INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        blockerId,
        blockedId,
        now,
      ).changes > 0
    );
  }

  async unblock(blockerId: string, blockedId: string): Promise<boolean> {
    return this.#db.run('DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?', blockerId, blockedId).changes > 0;
  }

  async blocks(blockerId: string): Promise<StoredBlock[]> {
    return this.#db
      .all<{ blocked_id: string; created_at: number }>(
        'SELECT blocked_id, created_at FROM blocks WHERE blocker_id = ? ORDER BY created_at, blocked_id',
        blockerId,
      )
      .map((row) => ({ blockedId: row.blocked_id, createdAt: row.created_at }));
  }

  async blockersOf(blockedId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = this.#db.db
      .prepare(`SELECT blocker_id FROM blocks WHERE blocked_id = ? AND blocker_id IN (${userIds.map(() => '?').join(', ')})`)
      .all(blockedId, ...userIds) as { blocker_id: string }[];
    return new Set(rows.map((row) => row.blocker_id));
  }

  async hasBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    return this.#db.get('SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?', blockerId, blockedId) !== undefined;
  }

  async sendRestrictions(conversationId: string, senderId: string, now: number): Promise<SendRestrictions> {
    return sendRestrictions(this.#db, conversationId, senderId, now);
  }

  async restrict(r: StoredRestriction): Promise<void> {
    this.#db.run(
      `INSERT INTO member_restrictions (conversation_id, user_id, kind, until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id, kind) DO UPDATE SET until = excluded.until, created_by = excluded.created_by,
         created_at = excluded.created_at`,
      r.conversationId,
      r.userId,
      r.kind,
      r.until,
      r.createdBy,
      r.createdAt,
    );
  }

  async lift(conversationId: string, userId: string, kind: 'mute' | 'ban'): Promise<boolean> {
    return (
      this.#db.run('DELETE FROM member_restrictions WHERE conversation_id = ? AND user_id = ? AND kind = ?', conversationId, userId, kind)
        .changes > 0
    );
  }

  async restrictions(conversationId: string, now: number): Promise<StoredRestriction[]> {
    return this.#db
      .all<RestrictionRow>(
        `SELECT ${RESTRICTION_COLUMNS} FROM member_restrictions r WHERE r.conversation_id = ? AND (r.until IS NULL OR r.until > ?)
         ORDER BY r.created_at, r.user_id, r.kind`,
        conversationId,
        now,
      )
      .map(toRestriction);
  }

  async banned(conversationId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = this.#db.db
      .prepare(
        `SELECT user_id FROM member_restrictions WHERE conversation_id = ? AND kind = 'ban' AND user_id IN (${userIds.map(() => '?').join(', ')})`,
      )
      .all(conversationId, ...userIds) as { user_id: string }[];
    return new Set(rows.map((row) => row.user_id));
  }

  async report(report: StoredReport): Promise<{ report: StoredReport; created: boolean }> {
    return this.#db.transaction(() => {
      const held = this.#db.get<ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM reports p WHERE p.message_id = ? AND p.reporter_id = ?`,
        report.messageId,
        report.reporterId,
      );
      if (held) return { report: toReport(held), created: false };
      this.#db.run(
        `INSERT INTO reports (id, conversation_id, message_id, reporter_id, reason, text, status, created_at, closed_at, note)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        report.id,
        report.conversationId,
        report.messageId,
        report.reporterId,
        report.reason,
        report.text,
        report.status,
        report.createdAt,
        report.closedAt,
        report.note,
      );
      return { report, created: true };
    });
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const row = this.#db.get<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM reports p WHERE p.id = ?`, id);
    return row ? toReport(row) : null;
  }

  async listReports(query: { status: ReportStatus | undefined; limit: number; after: string | null }): Promise<StoredReport[]> {
    const after = query.after
      ? this.#db.get<{ created_at: number }>('SELECT created_at FROM reports WHERE id = ?', query.after)
      : undefined;
    if (query.after && !after) return [];
    return this.#db
      .all<ReportRow>(
        `SELECT ${REPORT_COLUMNS} FROM reports p
         WHERE (@status IS NULL OR p.status = @status)
           AND (@afterAt IS NULL OR p.created_at > @afterAt OR (p.created_at = @afterAt AND p.id > @afterId))
         ORDER BY p.created_at, p.id LIMIT @limit`,
        { status: query.status ?? null, afterAt: after?.created_at ?? null, afterId: query.after, limit: query.limit },
      )
      .map(toReport);
  }

  async closeReport(id: string, status: 'resolved' | 'dismissed', note: string | null, now: number): Promise<StoredReport | null> {
    this.#db.run("UPDATE reports SET status = ?, note = ?, closed_at = ? WHERE id = ? AND status = 'open'", status, note, now, id);
    return this.getReport(id);
  }
}

/** What refuses `senderId`'s send in the conversation at `now`, read in one query (inside an append's transaction too). */
export function sendRestrictions(db: SqliteDb, conversationId: string, senderId: string, now: number): SendRestrictions {
  const row = db.get<{ muted: number; until: number | null; blocked: number }>(
    `SELECT
         (SELECT COUNT(*) FROM member_restrictions r WHERE r.conversation_id = @conversationId AND r.user_id = @senderId
            AND r.kind = 'mute' AND (r.until IS NULL OR r.until > @now)) AS muted,
         (SELECT r.until FROM member_restrictions r WHERE r.conversation_id = @conversationId AND r.user_id = @senderId
            AND r.kind = 'mute') AS until,
         EXISTS (SELECT 1 FROM conversations c JOIN members m ON m.conversation_id = c.id AND m.user_id <> @senderId
            JOIN blocks b ON (b.blocker_id = m.user_id AND b.blocked_id = @senderId) OR (b.blocker_id = @senderId AND b.blocked_id = m.user_id)
            WHERE c.id = @conversationId AND c.type = 'private') AS blocked`,
    { conversationId, senderId, now },
  );
  return { mutedUntil: row && row.muted > 0 ? row.until : undefined, blocked: row?.blocked === 1 };
}
