import { DECISION_COLUMNS, type DecisionRow, toDecision } from '../rows/moderation.js';
import type { ClaimOutcome, DecisionClaim, ModerationDecision, ModerationRepository } from '../types.js';
import type { SqliteDb } from './db.js';

/** Moderation decisions in SQLite. */
export class SqliteModeration implements ModerationRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async claim(claim: DecisionClaim): Promise<ClaimOutcome> {
    const { messageId, conversationId, senderId, owner, now, leaseMs } = claim;
    return this.#db.transaction(() => {
      const row = this.#db.get<DecisionRow & { lease_until: number }>(
        `SELECT ${DECISION_COLUMNS}, lease_until FROM moderation_decisions WHERE message_id = ?`,
        messageId,
      );
      if (!row) {
        this.#db.run(
          `INSERT INTO moderation_decisions (message_id, conversation_id, sender_id, owner, lease_until, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          messageId,
          conversationId,
          senderId,
          owner,
          now + leaseMs,
          now,
        );
        return { kind: 'claimed' as const };
      }
      const decision = toDecision(row);
      if (decision) return { kind: 'decided' as const, decision };
      if (row.lease_until > now) return { kind: 'pending' as const, leaseUntil: row.lease_until };
      this.#db.run('UPDATE moderation_decisions SET owner = ?, lease_until = ? WHERE message_id = ?', owner, now + leaseMs, messageId);
      return { kind: 'claimed' as const };
    });
  }

  async decide(decision: ModerationDecision): Promise<ModerationDecision> {
    return this.#db.transaction(() => {
      const row = this.#db.get<DecisionRow>(
        `SELECT ${DECISION_COLUMNS} FROM moderation_decisions WHERE message_id = ?`,
        decision.messageId,
      );
      const held = row ? toDecision(row) : null;
      if (held) return held;
      const values = [
        decision.conversationId,
        decision.senderId,
        decision.origin,
        decision.action,
        decision.reason,
        decision.text,
        decision.source,
        decision.message === null ? null : JSON.stringify(decision.message),
        decision.decidedAt,
        decision.digest,
      ];
      if (row)
        this.#db.run(
          `UPDATE moderation_decisions SET conversation_id = ?, sender_id = ?, origin = ?, action = ?, reason = ?, text = ?,
           source = ?, message = ?, decided_at = ?, digest = ?, owner = NULL WHERE message_id = ?`,
          ...values,
          decision.messageId,
        );
      else
        this.#db.run(
          `INSERT INTO moderation_decisions (conversation_id, sender_id, origin, action, reason, text, source, message, decided_at,
           digest, message_id, lease_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
          ...values,
          decision.messageId,
          decision.decidedAt,
        );
      return decision;
    });
  }

  async get(messageId: string): Promise<ModerationDecision | null> {
    const row = this.#db.get<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM moderation_decisions WHERE message_id = ?`, messageId);
    return row ? toDecision(row) : null;
  }

  async listRejected(conversationId: string, page: { before?: number; beforeId?: string; limit: number }): Promise<ModerationDecision[]> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    return this.#db
      .all<DecisionRow>(
        `SELECT ${DECISION_COLUMNS} FROM moderation_decisions
         WHERE conversation_id = ? AND action = 'reject' AND (decided_at < ? OR (decided_at = ? AND message_id < ?))
         ORDER BY decided_at DESC, message_id DESC LIMIT ?`,
        conversationId,
        before,
        before,
        page.beforeId ?? '',
        page.limit,
      )
      .map((row) => toDecision(row) as ModerationDecision);
  }

  async purge(before: number): Promise<number> {
    return this.#db.run("DELETE FROM moderation_decisions WHERE action IN ('allow', 'replace') AND decided_at < ?", before).changes;
  }
}
