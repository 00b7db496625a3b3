import { randomUUID } from 'node:crypto';
import type { Message } from '@chat4all/protocol';
import { appendedMessage, MESSAGE_COLUMNS, type MessageRow, toMessage } from '../rows/messages.js';
import type {
  AppendInput,
  AppendOutcome,
  MessagesRepository,
  ReactionPlan,
  ReceiptInput,
  ReceiptOutcome,
  StoredReactions,
} from '../types.js';
import { messageRow, type PostgresDb, recordEvent, type Tx } from './db.js';

/** An append batch that raced another node for a client id is retried this many times. */
const APPEND_ATTEMPTS = 5;

/** Thrown inside an append transaction to roll it back and run the batch again. */
class AppendRace extends Error {}

/** Messages and receipts in PostgreSQL. */
export class PostgresMessages implements MessagesRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async append(batch: readonly AppendInput[]): Promise<AppendOutcome[]> {
    if (batch.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction((tx) => appendBatch(tx, batch, attempt > 1));
      } catch (error) {
        // One of these ids was already stored (a client's retry), or another node stored it
        // meanwhile: run the batch again, now reading the stored rows first (so no seq is skipped).
        if (!(error instanceof AppendRace) || attempt >= APPEND_ATTEMPTS) throw error;
      }
    }
  }

  async get(conversationId: string, messageId: string): Promise<Message | null> {
    const row = await messageRow(this.#db.sql, conversationId, messageId);
    return row ? toMessage(row) : null;
  }

  async list(conversationId: string, range: { before?: number; after?: number; limit: number }) {
    const upper = range.before ?? 2_147_483_647;
    const columns = this.#db.sql.unsafe(MESSAGE_COLUMNS);
    if (range.after !== undefined) {
      const rows = await this.#db.sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE conversation_id = ${conversationId} AND seq > ${range.after} AND seq < ${upper}
        ORDER BY seq ASC LIMIT ${range.limit + 1}`;
      return { messages: rows.slice(0, range.limit).map(toMessage), hasMore: rows.length > range.limit };
    }
    const rows = await this.#db.sql<MessageRow[]>`
      SELECT ${columns} FROM messages WHERE conversation_id = ${conversationId} AND seq < ${upper}
      ORDER BY seq DESC LIMIT ${range.limit + 1}`;
    return { messages: rows.slice(0, range.limit).reverse().map(toMessage), hasMore: rows.length > range.limit };
  }

  async edit(conversationId: string, messageId: string, text: string, now: number) {
    return this.#changeLiveMessage(conversationId, messageId, 'message.updated', { text, edited_at: now }, now);
  }

  async delete(conversationId: string, messageId: string, now: number) {
    return this.#changeLiveMessage(
      conversationId,
      messageId,
      'message.deleted',
      { text: '', metadata: '{}', attachment: null, content: null, reactions: '[]', deleted_at: now },
      now,
    );
  }

  /** Updates a message that is not deleted and records `type`; a deleted one comes back unchanged with `eventSeq: null`. */
  async #changeLiveMessage(
    conversationId: string,
    messageId: string,
    type: 'message.updated' | 'message.deleted',
    changes: Record<string, string | number | null>,
    now: number,
  ) {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx<MessageRow[]>`
        UPDATE messages SET ${tx(changes)}
        WHERE id = ${messageId} AND conversation_id = ${conversationId} AND deleted_at IS NULL
        RETURNING ${tx.unsafe(MESSAGE_COLUMNS)}`;
      if (row) return { message: toMessage(row), eventSeq: await recordEvent(tx, conversationId, type, messageId, null, now) };
      const current = await messageRow(tx, conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
  }

  async react(conversationId: string, messageId: string, userId: string, plan: (current: StoredReactions) => ReactionPlan, now: number) {
    return this.#db.transaction(async (tx) => {
      const [current] = await tx<MessageRow[]>`
        SELECT ${tx.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id = ${messageId} AND conversation_id = ${conversationId} FOR UPDATE`;
      if (!current) return null;
      const planned = current.deleted_at === null ? plan(JSON.parse(current.reactions) as StoredReactions) : null;
      if (!planned) return { ok: true as const, message: toMessage(current), eventSeq: null };
      if (!planned.ok) return planned;
      const [row] = await tx<MessageRow[]>`
        UPDATE messages SET reactions = ${JSON.stringify(planned.reactions)} WHERE id = ${messageId}
        RETURNING ${tx.unsafe(MESSAGE_COLUMNS)}`;
      const eventSeq = await recordEvent(tx, conversationId, 'reaction.updated', messageId, userId, now);
      return { ok: true as const, message: toMessage(row as MessageRow), eventSeq };
    });
  }

  async getMany(conversationId: string, messageIds: readonly string[]): Promise<Message[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.#db.sql<MessageRow[]>`
      SELECT ${this.#db.sql.unsafe(MESSAGE_COLUMNS)} FROM messages
      WHERE conversation_id = ${conversationId} AND id = ANY(${[...messageIds]}::text[]) ORDER BY seq`;
    return rows.map(toMessage);
  }

  async applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]> {
    if (batch.length === 0) return [];
    return this.#db.transaction((tx) => receiptBatch(tx, batch));
  }
}

/**
 * One receipt transaction: reads the conversations (locked, in id order, as appends take
 * them: no deadlock between the two) and the members' horizons in one pipelined round trip,
 * moves the horizons in memory, then writes members, events and event counters in another.
 */
async function receiptBatch(tx: Tx, batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]> {
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
    const target = Math.min(input.seq, conv.lastSeq);
    const readSeq = input.kind === 'read' ? Math.max(member.readSeq, target) : member.readSeq;
    const deliveredSeq = Math.max(member.deliveredSeq, input.kind === 'read' ? readSeq : target);
    if (readSeq === member.readSeq && deliveredSeq === member.deliveredSeq) return { ok: true, deliveredSeq, readSeq, eventSeq: null };
    member.readSeq = readSeq;
    member.deliveredSeq = deliveredSeq;
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
    return { ok: true, deliveredSeq, readSeq, eventSeq: conv.lastEventSeq };
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

/**
 * One append transaction. Reads what the batch needs in at most three pipelined queries
 * (counters, the members that are senders or contacts, reply targets), decides each
 * outcome in memory, then writes with one multi-row insert, one counter update and, when
 * contacts are members, one insert of their deliveries.
 *
 * `checkStored` says whether to read which ids are already stored first. Without that read a
 * retried id makes the insert come up short: the caller rolls back and runs the batch
 * again with it, so the common batch of new messages pays one statement less.
 */
async function appendBatch(tx: Tx, batch: readonly AppendInput[], checkStored: boolean): Promise<AppendOutcome[]> {
  const conversationIds = [...new Set(batch.map((input) => input.conversationId))].sort();
  const ids = batch.map((input) => input.id);
  const replyIds = [...new Set(batch.flatMap((input) => (input.replyTo === null ? [] : [input.replyTo])))];
  const senderIds = [...new Set(batch.flatMap((input) => (input.senderId === null ? [] : [input.senderId])))];
  // Issued together, these are pipelined: one round trip while the locks are held. Locking
  // in id order means two nodes appending to the same conversations cannot deadlock; the
  // reads after it run once the locks are taken.
  const [counters, memberRows, stored, replies] = await Promise.all([
    tx<{ id: string; last_seq: number; last_activity_at: number }[]>`
      SELECT id, last_seq, last_activity_at FROM conversations WHERE id = ANY(${conversationIds}::text[]) ORDER BY id FOR UPDATE`,
    tx<{ conversation_id: string; user_id: string; contact: boolean }[]>`
      SELECT m.conversation_id, m.user_id, k.id IS NOT NULL AS contact
      FROM members m LEFT JOIN contacts k ON k.id = m.user_id
      WHERE m.conversation_id = ANY(${conversationIds}::text[]) AND (m.user_id = ANY(${senderIds}::text[]) OR k.id IS NOT NULL)`,
    checkStored ? tx<MessageRow[]>`SELECT ${tx.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id = ANY(${ids}::text[])` : [],
    replyIds.length
      ? tx<{ id: string; conversation_id: string }[]>`SELECT id, conversation_id FROM messages WHERE id = ANY(${replyIds}::text[])`
      : [],
  ]);

  const conversations = new Map(
    counters.map((row) => [row.id, { lastSeq: row.last_seq, lastActivityAt: Number(row.last_activity_at), changed: false }]),
  );
  const members = new Set(memberRows.map((row) => `${row.conversation_id}\u0000${row.user_id}`));
  const contacts = new Map<string, string[]>();
  for (const row of memberRows) {
    if (!row.contact) continue;
    const list = contacts.get(row.conversation_id);
    if (list) list.push(row.user_id);
    else contacts.set(row.conversation_id, [row.user_id]);
  }
  const existing = new Map(stored.map((row) => [row.id, row]));
  const replyHome = new Map(replies.map((row) => [row.id, row.conversation_id]));

  const rows: MessageRow[] = [];
  const deliveries: Record<string, string | number>[] = [];
  const outcomes = batch.map((input): AppendOutcome => {
    // Membership first: to someone who is not (or no longer) a member, an id already stored
    // there answers exactly as any other send does.
    const conv = conversations.get(input.conversationId);
    if (!conv || (input.senderId !== null && !members.has(`${input.conversationId}\u0000${input.senderId}`)))
      return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    const original = existing.get(input.id);
    if (original) {
      const same = original.conversation_id === input.conversationId && original.sender_id === input.senderId;
      return same ? { ok: true, created: false, message: toMessage(original) } : { ok: false, code: 'MESSAGE_ID_CONFLICT' };
    }
    if (input.replyTo !== null && replyHome.get(input.replyTo) !== input.conversationId)
      return { ok: false, code: 'REPLY_TARGET_NOT_FOUND' };
    const seq = conv.lastSeq + 1;
    conv.lastSeq = seq;
    conv.lastActivityAt = Math.max(conv.lastActivityAt, input.now);
    conv.changed = true;
    const row: MessageRow = {
      id: input.id,
      conversation_id: input.conversationId,
      seq,
      kind: input.kind,
      sender_id: input.senderId,
      text: input.text,
      metadata: JSON.stringify(input.metadata),
      attachment: input.attachment === null ? null : JSON.stringify(input.attachment),
      content: input.content === null ? null : JSON.stringify(input.content),
      reactions: '[]',
      reply_to: input.replyTo,
      created_at: input.now,
      edited_at: null,
      deleted_at: null,
    };
    rows.push(row);
    // Later inputs of this batch may retry this id or reply to it.
    existing.set(input.id, row);
    replyHome.set(input.id, input.conversationId);
    // The contacts among the members get a delivery on their channel, committed with the message.
    const recipients = input.kind === 'system' ? [] : (contacts.get(input.conversationId) ?? []).filter((id) => id !== input.senderId);
    for (const contactId of recipients)
      deliveries.push({
        id: randomUUID().replaceAll('-', ''),
        message_id: input.id,
        conversation_id: input.conversationId,
        contact_id: contactId,
        seq,
        status: 'pending',
        next_attempt_at: input.now,
        created_at: input.now,
        updated_at: input.now,
      });
    const message = appendedMessage(input, seq);
    return recipients.length > 0 ? { ok: true, created: true, message, dispatch: true } : { ok: true, created: true, message };
  });
  if (rows.length === 0) return outcomes;

  const changed = [...conversations].filter(([, conv]) => conv.changed);
  // Pipelined too; a short insert rolls the rest back with it.
  const [inserted] = await Promise.all([
    // Column arrays rather than a VALUES list: one parameter per column instead of per cell,
    // which costs the client and the planner far less for a large batch.
    tx`
      INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reply_to, created_at)
      SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversation_id)}::text[], ${rows.map((r) => r.seq)}::int[],
        ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.sender_id)}::text[], ${rows.map((r) => r.text)}::text[],
        ${rows.map((r) => r.metadata)}::text[], ${rows.map((r) => r.attachment)}::text[], ${rows.map((r) => r.content)}::text[],
        ${rows.map((r) => r.reply_to)}::text[],
        ${rows.map((r) => r.created_at)}::bigint[])
      ON CONFLICT (id) DO NOTHING`,
    tx`
      UPDATE conversations c SET last_seq = u.last_seq, last_activity_at = GREATEST(c.last_activity_at, u.last_activity_at)
      FROM unnest(${changed.map(([id]) => id)}::text[], ${changed.map(([, conv]) => conv.lastSeq)}::int[], ${changed.map(([, conv]) => conv.lastActivityAt)}::bigint[])
        AS u(id, last_seq, last_activity_at)
      WHERE c.id = u.id`,
    // A retried id may already have its deliveries: no error here, the short insert redoes the batch.
    deliveries.length ? tx`INSERT INTO deliveries ${tx(deliveries)} ON CONFLICT DO NOTHING` : null,
  ]);
  if (inserted.count !== rows.length) throw new AppendRace();
  return outcomes;
}
