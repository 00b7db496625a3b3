import type { MoveHorizons, ReceiptInput, ReceiptOutcome } from '../types.js';
import type { Tx } from './db.js';

/**
 * One receipt transaction: reads the conversations (locked, in id order, as appends take
 * them: no deadlock between the two) and the members' horizons in one pipelined round trip,
 * moves the horizons in memory, then writes members, events and event counters in another.
 */
export async function receiptBatch(tx: Tx, batch: readonly ReceiptInput[], move: MoveHorizons): Promise<ReceiptOutcome[]> {
  const conversationIds = [...new Set(batch.map((input) => input.conversationId))].sort();
  const pairs = [...new Map(batch.map((input) => [`${input.conversationId}\u0000${input.userId}`, input])).values()];
  const [counters, memberRows] = await Promise.all([
    tx<{ id: string; last_seq: number; last_event_seq: number }[]>`
      SELECT id, last_seq, last_event_seq FROM conversations WHERE id = ANY(${conversationIds}::text[]) ORDER BY id FOR UPDATE`,
    tx<{ conversation_id: string; user_id: string; delivered_seq: number; read_seq: number }[]>`
      SELECT m.conversation_id, m.user_id, m.delivered_seq, m.read_seq FROM members m
      WHERE (m.conversation_id, m.user_id) IN (
        SELECT * FROM unnest(${pairs.map((p) => p.conversationId)}::text[], ${pairs.map((p) => p.userId)}::text[]))`,
  ]);
  const conversations = new Map(counters.map((row) => [row.id, { lastSeq: row.last_seq, lastEventSeq: row.last_event_seq }]));
  const members = new Map(
    memberRows.map((row) => [
      `${row.conversation_id}\u0000${row.user_id}`,
      { conversationId: row.conversation_id, userId: row.user_id, deliveredSeq: row.delivered_seq, readSeq: row.read_seq, changed: false },
    ]),
  );
  const events: Array<{
    conversation_id: string;
    event_seq: number;
    type: 'receipt';
    message_id: null;
    user_id: string;
    created_at: number;
  }> = [];
  const outcomes = batch.map((input): ReceiptOutcome => {
    const member = members.get(`${input.conversationId}\u0000${input.userId}`);
    const conv = conversations.get(input.conversationId);
    if (!member || !conv) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    const outcome = move(input, member.deliveredSeq, member.readSeq, conv.lastSeq);
    if (outcome.readSeq === member.readSeq && outcome.deliveredSeq === member.deliveredSeq) return outcome;
    member.readSeq = outcome.readSeq;
    member.deliveredSeq = outcome.deliveredSeq;
    member.changed = true;
    conv.lastEventSeq += 1;
    events.push({
      conversation_id: input.conversationId,
      event_seq: conv.lastEventSeq,
      type: 'receipt',
      message_id: null,
      user_id: input.userId,
      created_at: input.now,
    });
    outcome.eventSeq = conv.lastEventSeq;
    return outcome;
  });
  if (events.length === 0) return outcomes;
  const moved = [...members.values()].filter((m) => m.changed);
  const bumped = [...new Set(events.map((e) => e.conversation_id))];
  await Promise.all([
    tx`
      UPDATE members m SET delivered_seq = u.delivered_seq, read_seq = u.read_seq
      FROM unnest(${moved.map((m) => m.conversationId)}::text[], ${moved.map((m) => m.userId)}::text[],
        ${moved.map((m) => m.deliveredSeq)}::int[], ${moved.map((m) => m.readSeq)}::int[]) AS u(conversation_id, user_id, delivered_seq, read_seq)
      WHERE m.conversation_id = u.conversation_id AND m.user_id = u.user_id`,
    tx`INSERT INTO events ${tx(events)}`,
    tx`
      UPDATE conversations c SET last_event_seq = u.last_event_seq
      FROM unnest(${bumped}::text[], ${bumped.map((id) => conversations.get(id)?.lastEventSeq ?? 0)}::int[]) AS u(id, last_event_seq)
      WHERE c.id = u.id`,
  ]);
  return outcomes;
}
