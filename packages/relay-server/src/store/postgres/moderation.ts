import { DECISION_COLUMNS, type DecisionRow, toDecision } from '../rows/moderation.js';
import type { ClaimOutcome, DecisionClaim, ModerationDecision, ModerationRepository } from '../types.js';
import type { PostgresDb } from './db.js';

/** Moderation decisions in PostgreSQL. */
export class PostgresModeration implements ModerationRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async claim(claim: DecisionClaim): Promise<ClaimOutcome> {
    const { messageId, conversationId, senderId, owner, now, leaseMs } = claim;
    return this.#db.transaction(async (tx) => {
      // One statement claims a new id or an abandoned claim; the row is then read as it stands.
      const claimed = await tx`INSERT INTO moderation_decisions (message_id, conversation_id, sender_id, owner, lease_until, created_at)
        VALUES (${messageId}, ${conversationId}, ${senderId}, ${owner}, ${now + leaseMs}, ${now})
        ON CONFLICT (message_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
        WHERE moderation_decisions.action IS NULL AND moderation_decisions.lease_until <= ${now}
        RETURNING message_id`;
      if (claimed.count > 0) return { kind: 'claimed' as const };
      const [row] = await tx<(DecisionRow & { lease_until: string })[]>`SELECT ${tx.unsafe(DECISION_COLUMNS)}, lease_until
        FROM moderation_decisions WHERE message_id = ${messageId}`;
      const decision = row ? toDecision(row) : null;
      if (decision) return { kind: 'decided' as const, decision };
      return { kind: 'pending' as const, leaseUntil: Number(row?.lease_until ?? now) };
    });
  }

  async decide(decision: ModerationDecision): Promise<ModerationDecision> {
    const d = decision;
    const message = d.message === null ? null : JSON.stringify(d.message);
    // Written only where no decision is recorded: the first one written holds, whoever holds the claim.
    await this.#db.sql`INSERT INTO moderation_decisions (message_id, conversation_id, sender_id, origin, action, reason, text, source,
        message, decided_at, digest, lease_until, created_at)
      VALUES (${d.messageId}, ${d.conversationId}, ${d.senderId}, ${d.origin}, ${d.action}, ${d.reason}, ${d.text}, ${d.source},
        ${message}, ${d.decidedAt}, ${d.digest}, 0, ${d.decidedAt})
      ON CONFLICT (message_id) DO UPDATE SET conversation_id = excluded.conversation_id, sender_id = excluded.sender_id,
        origin = excluded.origin, action = excluded.action, reason = excluded.reason, text = excluded.text, source = excluded.source,
        message = excluded.message, decided_at = excluded.decided_at, digest = excluded.digest, owner = NULL
      WHERE moderation_decisions.action IS NULL`;
    return (await this.get(d.messageId)) ?? decision;
  }

  async get(messageId: string): Promise<ModerationDecision | null> {
    const [row] = await this.#db.sql<DecisionRow[]>`SELECT ${this.#db.sql.unsafe(DECISION_COLUMNS)}
      FROM moderation_decisions WHERE message_id = ${messageId}`;
    return row ? toDecision(row) : null;
  }

  async listRejected(conversationId: string, page: { before?: number; beforeId?: string; limit: number }): Promise<ModerationDecision[]> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.#db.sql<DecisionRow[]>`SELECT ${this.#db.sql.unsafe(DECISION_COLUMNS)} FROM moderation_decisions
      WHERE conversation_id = ${conversationId} AND action = 'reject'
        AND (decided_at < ${before} OR (decided_at = ${before} AND message_id < ${page.beforeId ?? ''}))
      ORDER BY decided_at DESC, message_id DESC LIMIT ${page.limit}`;
    return rows.map((row) => toDecision(row) as ModerationDecision);
  }

  async purge(before: number): Promise<number> {
    return (await this.#db.sql`DELETE FROM moderation_decisions WHERE action IN ('allow', 'replace') AND decided_at < ${before}`).count;
  }
}
