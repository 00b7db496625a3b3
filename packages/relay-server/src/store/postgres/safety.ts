import type { ReportStatus } from '@chat4all/protocol';
import { REPORT_COLUMNS, RESTRICTION_COLUMNS, type ReportRow, type RestrictionRow, toReport, toRestriction } from '../rows/safety.js';
import type { SafetyRepository, SendRestrictions, StoredBlock, StoredReport, StoredRestriction } from '../types.js';
import type { PostgresDb } from './db.js';

/** Blocks, mutes, bans and reports in PostgreSQL. */
export class PostgresSafety implements SafetyRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async block(blockerId: string, blockedId: string, now: number): Promise<boolean> {
    const result = await this.#db.sql`INSERT INTO blocks (blocker_id, blocked_id, created_at)
      VALUES (${blockerId}, ${blockedId}, ${now}) ON CONFLICT DO NOTHING`;
    return result.count > 0;
  }

  async unblock(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.#db.sql`DELETE FROM blocks WHERE blocker_id = ${blockerId} AND blocked_id = ${blockedId}`).count > 0;
  }

  async blocks(blockerId: string): Promise<StoredBlock[]> {
    const rows = await this.#db.sql<{ blocked_id: string; created_at: string | number }[]>`
      SELECT blocked_id, created_at FROM blocks WHERE blocker_id = ${blockerId} ORDER BY created_at, blocked_id`;
    return rows.map((row) => ({ blockedId: row.blocked_id, createdAt: Number(row.created_at) }));
  }

  async blockersOf(blockedId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.#db.sql<{ blocker_id: string }[]>`SELECT blocker_id FROM blocks
      WHERE blocked_id = ${blockedId} AND blocker_id = ANY(${this.#db.sql.array([...userIds])})`;
    return new Set(rows.map((row) => row.blocker_id));
  }

  async hasBlocked(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.#db.sql`SELECT 1 FROM blocks WHERE blocker_id = ${blockerId} AND blocked_id = ${blockedId}`).length > 0;
  }

  async sendRestrictions(conversationId: string, senderId: string, now: number): Promise<SendRestrictions> {
    const [row] = await this.#db.sql<{ muted: boolean; until: string | number | null; blocked: boolean }[]>`
      SELECT
        EXISTS (SELECT 1 FROM member_restrictions r WHERE r.conversation_id = ${conversationId} AND r.user_id = ${senderId}
          AND r.kind = 'mute' AND (r.until IS NULL OR r.until > ${now})) AS muted,
        (SELECT r.until FROM member_restrictions r WHERE r.conversation_id = ${conversationId} AND r.user_id = ${senderId}
          AND r.kind = 'mute') AS until,
        EXISTS (SELECT 1 FROM conversations c JOIN members m ON m.conversation_id = c.id AND m.user_id <> ${senderId}
          JOIN blocks b ON (b.blocker_id = m.user_id AND b.blocked_id = ${senderId}) OR (b.blocker_id = ${senderId} AND b.blocked_id = m.user_id)
          WHERE c.id = ${conversationId} AND c.type = 'private') AS blocked`;
    if (!row) return { mutedUntil: undefined, blocked: false };
    return { mutedUntil: row.muted ? (row.until === null ? null : Number(row.until)) : undefined, blocked: row.blocked };
  }

  async restrict(r: StoredRestriction): Promise<void> {
    await this.#db.sql`INSERT INTO member_restrictions (conversation_id, user_id, kind, until, created_by, created_at)
      VALUES (${r.conversationId}, ${r.userId}, ${r.kind}, ${r.until}, ${r.createdBy}, ${r.createdAt})
      ON CONFLICT (conversation_id, user_id, kind) DO UPDATE SET until = excluded.until, created_by = excluded.created_by,
        created_at = excluded.created_at`;
  }

  async lift(conversationId: string, userId: string, kind: 'mute' | 'ban'): Promise<boolean> {
    const result = await this.#db.sql`DELETE FROM member_restrictions
      WHERE conversation_id = ${conversationId} AND user_id = ${userId} AND kind = ${kind}`;
    return result.count > 0;
  }

  async restrictions(conversationId: string, now: number): Promise<StoredRestriction[]> {
    const rows = await this.#db.sql<RestrictionRow[]>`SELECT ${this.#db.sql.unsafe(RESTRICTION_COLUMNS)} FROM member_restrictions r
      WHERE r.conversation_id = ${conversationId} AND (r.until IS NULL OR r.until > ${now})
      ORDER BY r.created_at, r.user_id, r.kind`;
    return rows.map(toRestriction);
  }

  async banned(conversationId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.#db.sql<{ user_id: string }[]>`SELECT user_id FROM member_restrictions
      WHERE conversation_id = ${conversationId} AND kind = 'ban' AND user_id = ANY(${this.#db.sql.array([...userIds])})`;
    return new Set(rows.map((row) => row.user_id));
  }

  async report(report: StoredReport): Promise<{ report: StoredReport; created: boolean }> {
    const inserted = await this.#db.sql`INSERT INTO reports
      (id, conversation_id, message_id, reporter_id, reason, text, status, created_at, closed_at, note)
      VALUES (${report.id}, ${report.conversationId}, ${report.messageId}, ${report.reporterId}, ${report.reason}, ${report.text},
        ${report.status}, ${report.createdAt}, ${report.closedAt}, ${report.note})
      ON CONFLICT (message_id, reporter_id) DO NOTHING`;
    if (inserted.count > 0) return { report, created: true };
    const [held] = await this.#db.sql<ReportRow[]>`SELECT ${this.#db.sql.unsafe(REPORT_COLUMNS)} FROM reports p
      WHERE p.message_id = ${report.messageId} AND p.reporter_id = ${report.reporterId}`;
    if (!held) throw new Error('a report that conflicted is gone');
    return { report: toReport(held), created: false };
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const [row] = await this.#db.sql<ReportRow[]>`SELECT ${this.#db.sql.unsafe(REPORT_COLUMNS)} FROM reports p WHERE p.id = ${id}`;
    return row ? toReport(row) : null;
  }

  async listReports(query: { status: ReportStatus | undefined; limit: number; after: string | null }): Promise<StoredReport[]> {
    const sql = this.#db.sql;
    let afterAt: number | null = null;
    if (query.after) {
      const [after] = await sql<{ created_at: string | number }[]>`SELECT created_at FROM reports WHERE id = ${query.after}`;
      if (!after) return [];
      afterAt = Number(after.created_at);
    }
    const rows = await sql<ReportRow[]>`SELECT ${sql.unsafe(REPORT_COLUMNS)} FROM reports p
      WHERE (${query.status ?? null}::text IS NULL OR p.status = ${query.status ?? null})
        AND (${afterAt}::bigint IS NULL OR p.created_at > ${afterAt} OR (p.created_at = ${afterAt} AND p.id > ${query.after}))
      ORDER BY p.created_at, p.id LIMIT ${query.limit}`;
    return rows.map(toReport);
  }

  async closeReport(id: string, status: 'resolved' | 'dismissed', note: string | null, now: number): Promise<StoredReport | null> {
    await this.#db.sql`UPDATE reports SET status = ${status}, note = ${note}, closed_at = ${now} WHERE id = ${id} AND status = 'open'`;
    return this.getReport(id);
  }
}
