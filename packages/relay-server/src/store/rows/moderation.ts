import type { DecisionAction, DecisionSource, ModerationDecision } from '../repositories/moderation.js';

export const DECISION_COLUMNS = 'message_id, conversation_id, sender_id, origin, action, reason, text, source, message, decided_at, digest';

export interface DecisionRow {
  message_id: string;
  conversation_id: string;
  sender_id: string | null;
  origin: string | null;
  action: string | null;
  reason: string | null;
  text: string | null;
  source: string | null;
  message: string | null;
  decided_at: number | string | null;
  digest: string | null;
}

/** A decided row as a decision; null while it is only claimed. */
export function toDecision(row: DecisionRow): ModerationDecision | null {
  if (row.action === null) return null;
  return {
    messageId: row.message_id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    origin: row.origin === 'channel' ? 'channel' : 'app',
    action: row.action as DecisionAction,
    reason: row.reason,
    text: row.text,
    source: row.source as DecisionSource,
    message: row.message === null ? null : (JSON.parse(row.message) as Record<string, unknown>),
    decidedAt: Number(row.decided_at),
    digest: row.digest,
  };
}
