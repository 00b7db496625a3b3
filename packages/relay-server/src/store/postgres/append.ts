import { randomUUID } from 'node:crypto';
import type { GroupMentions, MemberRole, ThreadSummary } from '@chat4all/protocol';
import {
  appendedMessage,
  inputMentions,
  MESSAGE_COLUMNS,
  type MessageRow,
  parseThreadSummary,
  storedMentions,
  toMessage,
} from '../rows/messages.js';
import type { AppendCounters, AppendFacts, AppendInput, AppendOutcome, AppendPlan } from '../types.js';
import type { Tx } from './db.js';

/** An append batch that raced another node for a client id is retried this many times. */
export const APPEND_ATTEMPTS = 5;

/** Thrown inside an append transaction to roll it back and run the batch again. */
export class AppendRace extends Error {}

interface ThreadRootRow {
  id: string;
  conversation_id: string;
  thread_id: string | null;
  deleted: boolean;
  thread: string | null;
}

/**
 * One append transaction. Reads what the batch needs in pipelined queries (counters, the
 * members that are senders, contacts or mentioned, reply targets, thread roots, the senders'
 * mutes and blocks), decides each outcome in memory, then writes with one multi-row insert, one counter update and, when
 * contacts are members, one insert of their deliveries.
 *
 * `checkStored` says whether to read which ids are already stored first. Without that read a
 * retried id makes the insert come up short: the caller rolls back and runs the batch
 * again with it, so the common batch of new messages pays one statement less.
 */
export async function appendBatch(tx: Tx, batch: readonly AppendInput[], plan: AppendPlan, checkStored: boolean): Promise<AppendOutcome[]> {
  const conversationIds = [...new Set(batch.map((input) => input.conversationId))].sort();
  const ids = batch.map((input) => input.id);
  const replyIds = [...new Set(batch.flatMap((input) => (input.replyTo === null ? [] : [input.replyTo])))];
  const senderIds = [...new Set(batch.flatMap((input) => (input.senderId === null ? [] : [input.senderId])))];
  const mentionedIds = [...new Set(batch.flatMap((input) => input.mentions ?? []))];
  const rootIds = [...new Set(batch.flatMap((input) => (input.threadId ? [input.threadId] : [])))];
  // Issued together, these are pipelined: one round trip while the locks are held. Locking
  // in id order means two nodes appending to the same conversations cannot deadlock; the
  // reads after it run once the locks are taken.
  const [counters, memberRows, stored, replies, mentionedRows, rootRows, muteRows, blockedRows] = await Promise.all([
    tx<{ id: string; last_seq: number; last_activity_at: number; group_mentions: GroupMentions }[]>`
      SELECT id, last_seq, last_activity_at, group_mentions FROM conversations WHERE id = ANY(${conversationIds}::text[]) ORDER BY id FOR UPDATE`,
    tx<{ conversation_id: string; user_id: string; role: MemberRole; contact: boolean }[]>`
      SELECT m.conversation_id, m.user_id, m.role, k.id IS NOT NULL AS contact
      FROM members m LEFT JOIN contacts k ON k.id = m.user_id
      WHERE m.conversation_id = ANY(${conversationIds}::text[]) AND (m.user_id = ANY(${senderIds}::text[]) OR k.id IS NOT NULL)`,
    checkStored ? tx<MessageRow[]>`SELECT ${tx.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id = ANY(${ids}::text[])` : [],
    replyIds.length
      ? tx<{ id: string; conversation_id: string }[]>`SELECT id, conversation_id FROM messages WHERE id = ANY(${replyIds}::text[])`
      : [],
    mentionedIds.length
      ? tx<{ conversation_id: string; user_id: string }[]>`
          SELECT conversation_id, user_id FROM members
          WHERE conversation_id = ANY(${conversationIds}::text[]) AND user_id = ANY(${mentionedIds}::text[])`
      : [],
    rootIds.length
      ? tx<ThreadRootRow[]>`
          SELECT id, conversation_id, thread_id, deleted_at IS NOT NULL AS deleted, thread FROM messages WHERE id = ANY(${rootIds}::text[])`
      : [],
    // The senders' mutes, and the senders in private conversations where one of the two blocked the other.
    senderIds.length
      ? tx<{ conversation_id: string; user_id: string; until: string | number | null }[]>`
          SELECT conversation_id, user_id, until FROM member_restrictions
          WHERE kind = 'mute' AND conversation_id = ANY(${conversationIds}::text[]) AND user_id = ANY(${senderIds}::text[])`
      : [],
    senderIds.length
      ? tx<{ conversation_id: string; user_id: string }[]>`
          SELECT m.conversation_id, m.user_id FROM members m JOIN conversations c ON c.id = m.conversation_id AND c.type = 'private'
          WHERE m.conversation_id = ANY(${conversationIds}::text[]) AND m.user_id = ANY(${senderIds}::text[]) AND EXISTS (
            SELECT 1 FROM members o JOIN blocks b
              ON (b.blocker_id = o.user_id AND b.blocked_id = m.user_id) OR (b.blocker_id = m.user_id AND b.blocked_id = o.user_id)
            WHERE o.conversation_id = m.conversation_id AND o.user_id <> m.user_id)`
      : [],
  ]);

  const conversations = new Map(
    counters.map((row) => [row.id, { lastSeq: row.last_seq, lastActivityAt: Number(row.last_activity_at), changed: false }]),
  );
  const members = new Map(memberRows.map((row) => [`${row.conversation_id}\u0000${row.user_id}`, row.role]));
  const mentionable = new Set(mentionedRows.map((row) => `${row.conversation_id}\u0000${row.user_id}`));
  const groupMentions = new Map(counters.map((row) => [row.id, row.group_mentions]));
  const contacts = new Map<string, string[]>();
  for (const row of memberRows) {
    if (!row.contact) continue;
    const list = contacts.get(row.conversation_id);
    if (list) list.push(row.user_id);
    else contacts.set(row.conversation_id, [row.user_id]);
  }
  const existing = new Map(stored.map((row) => [row.id, row]));
  const replyHome = new Map(replies.map((row) => [row.id, row.conversation_id]));
  const roots = new Map(rootRows.map((row) => [row.id, row]));
  const mutes = new Map(
    muteRows.map((row) => [`${row.conversation_id}\u0000${row.user_id}`, row.until === null ? null : Number(row.until)]),
  );
  const blocked = new Set(blockedRows.map((row) => `${row.conversation_id}\u0000${row.user_id}`));
  // Summaries this batch moved, by root: written once each after the inserts.
  const summaries = new Map<string, ThreadSummary>();

  const rows: MessageRow[] = [];
  const deliveries: Record<string, string | number>[] = [];
  // One per batch, refilled for each input.
  const facts: AppendFacts = {
    conversation: null,
    senderIsMember: false,
    replyTargetFound: true,
    stored: undefined,
    mentionsAreMembers: true,
    groupMentions: 'off',
    senderRole: null,
    threadRoot: null,
    senderRestrictions: { mutedUntil: undefined, blocked: false },
  };
  const mentions: Array<{ conversation_id: string; user_id: string; seq: number; sender_id: string | null }> = [];
  const outcomes = batch.map((input): AppendOutcome => {
    const conv = conversations.get(input.conversationId);
    const original = existing.get(input.id);
    facts.conversation = conv ?? null;
    facts.senderIsMember = input.senderId === null || members.has(`${input.conversationId}\u0000${input.senderId}`);
    facts.replyTargetFound = input.replyTo === null || replyHome.get(input.replyTo) === input.conversationId;
    facts.stored = original ? { conversationId: original.conversation_id, senderId: original.sender_id } : checkStored ? null : undefined;
    facts.mentionsAreMembers = (input.mentions ?? []).every((id) => mentionable.has(`${input.conversationId}\u0000${id}`));
    facts.groupMentions = groupMentions.get(input.conversationId) ?? 'off';
    facts.senderRole = input.senderId === null ? null : (members.get(`${input.conversationId}\u0000${input.senderId}`) ?? null);
    const root = input.threadId ? roots.get(input.threadId) : undefined;
    facts.threadRoot = root && root.conversation_id === input.conversationId ? { threadId: root.thread_id, deleted: root.deleted } : null;
    const sender = `${input.conversationId}\u0000${input.senderId}`;
    const mutedUntil = mutes.get(sender);
    facts.senderRestrictions = {
      mutedUntil: mutedUntil !== undefined && (mutedUntil === null || mutedUntil > input.now) ? mutedUntil : undefined,
      blocked: blocked.has(sender),
    };
    const decision = plan.decide(input, facts);
    if (decision === 'stored') return { ok: true, created: false, message: toMessage(original as MessageRow) };
    // A mention refused before the stored ids were read may be a retry whose mentioned member has since left: read them and decide again.
    // So may one whose thread root has since been deleted, or whose sender has since been muted or blocked.
    if (
      (decision === 'MENTION_NOT_MEMBER' ||
        decision === 'GROUP_MENTION_NOT_ALLOWED' ||
        decision === 'THREAD_ROOT_DELETED' ||
        decision === 'MEMBER_MUTED' ||
        decision === 'BLOCKED') &&
      !checkStored
    )
      throw new AppendRace();
    if (decision === 'MEMBER_MUTED') return { ok: false, code: decision, mutedUntil: facts.senderRestrictions.mutedUntil };
    if (typeof decision !== 'number') return { ok: false, code: decision };
    const seq = decision;
    // A seq is only ever decided for a conversation that exists.
    plan.advance(conv as AppendCounters, input, seq);
    const mentioned = storedMentions(inputMentions(input));
    for (const userId of mentioned)
      mentions.push({ conversation_id: input.conversationId, user_id: userId, seq, sender_id: input.senderId });
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
      mentions: JSON.stringify(mentioned),
      previews: '[]',
      reply_to: input.replyTo,
      thread_id: input.threadId ?? null,
      show_in_conversation: input.showInConversation ?? false,
      thread: null,
      created_at: input.now,
      edited_at: null,
      deleted_at: null,
    };
    rows.push(row);
    // Later inputs of this batch may retry this id, reply to it, or reply in its thread.
    existing.set(input.id, row);
    replyHome.set(input.id, input.conversationId);
    roots.set(input.id, { id: input.id, conversation_id: input.conversationId, thread_id: row.thread_id, deleted: false, thread: null });
    // The contacts among the members get a delivery on their channel, committed with the message.
    const recipients = plan.dispatches(input) ? (contacts.get(input.conversationId) ?? []).filter((id) => id !== input.senderId) : [];
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
    if (input.threadId) {
      const summary = plan.summarize(summaries.get(input.threadId) ?? parseThreadSummary(root?.thread ?? null), message);
      summaries.set(input.threadId, summary);
    }
    return recipients.length > 0 ? { ok: true, created: true, message, dispatch: true } : { ok: true, created: true, message };
  });
  if (rows.length === 0) return outcomes;

  const changed = [...conversations].filter(([, conv]) => conv.changed);
  // Pipelined too; a short insert rolls the rest back with it.
  const [inserted] = await Promise.all([
    // Column arrays rather than a VALUES list: one parameter per column instead of per cell,
    // which costs the client and the planner far less for a large batch.
    tx`
      INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, mentions, reply_to,
        thread_id, show_in_conversation, created_at)
      SELECT * FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversation_id)}::text[], ${rows.map((r) => r.seq)}::int[],
        ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.sender_id)}::text[], ${rows.map((r) => r.text)}::text[],
        ${rows.map((r) => r.metadata)}::text[], ${rows.map((r) => r.attachment)}::text[], ${rows.map((r) => r.content)}::text[],
        ${rows.map((r) => r.mentions)}::text[], ${rows.map((r) => r.reply_to)}::text[],
        ${rows.map((r) => r.thread_id)}::text[], ${rows.map((r) => (r.show_in_conversation ? 't' : 'f'))}::text[]::boolean[],
        ${rows.map((r) => r.created_at)}::bigint[])
      ON CONFLICT (id) DO NOTHING`,
    tx`
      UPDATE conversations c SET last_seq = u.last_seq, last_activity_at = GREATEST(c.last_activity_at, u.last_activity_at)
      FROM unnest(${changed.map(([id]) => id)}::text[], ${changed.map(([, conv]) => conv.lastSeq)}::int[], ${changed.map(([, conv]) => conv.lastActivityAt)}::bigint[])
        AS u(id, last_seq, last_activity_at)
      WHERE c.id = u.id`,
    // A retried id may already have its deliveries: no error here, the short insert redoes the batch.
    deliveries.length ? tx`INSERT INTO deliveries ${tx(deliveries)} ON CONFLICT DO NOTHING` : null,
    mentions.length ? tx`INSERT INTO message_mentions ${tx(mentions)} ON CONFLICT DO NOTHING` : null,
    // After the insert in the pipeline, so a root appended in this batch is there to update.
    summaries.size
      ? tx`
          UPDATE messages m SET thread = u.thread
          FROM unnest(${[...summaries.keys()]}::text[], ${[...summaries.values()].map((v) => JSON.stringify(v))}::text[]) AS u(id, thread)
          WHERE m.id = u.id`
      : null,
  ]);
  if (inserted.count !== rows.length) throw new AppendRace();
  return outcomes;
}
