import type { LinkPreview, Message } from '@chat4all/protocol';
import { MESSAGE_COLUMNS, type MessageRow, storedMentions, toMessage } from '../rows/messages.js';
import type {
  AppendInput,
  AppendOutcome,
  AppendPlan,
  MessageMentions,
  MessageRange,
  MessagesRepository,
  MoveHorizons,
  ReactionPlan,
  ReceiptInput,
  ReceiptOutcome,
  StoredReactions,
  ThreadReadState,
} from '../types.js';
import { APPEND_ATTEMPTS, AppendRace, appendBatch } from './append.js';
import { messageRow, type PostgresDb, recordEvent } from './db.js';
import { receiptBatch } from './receipts.js';

/** Messages and receipts in PostgreSQL. */
export class PostgresMessages implements MessagesRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async append(batch: readonly AppendInput[], plan: AppendPlan): Promise<AppendOutcome[]> {
    if (batch.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction((tx) => appendBatch(tx, batch, plan, attempt > 1));
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

  async list(conversationId: string, range: MessageRange) {
    const { sql } = this.#db;
    const upper = range.before ?? 2_147_483_647;
    const view = range.view;
    const only = !view
      ? sql``
      : 'thread' in view
        ? sql`AND thread_id = ${view.thread}`
        : sql`AND (thread_id IS NULL OR show_in_conversation)`;
    const forwards = range.after !== undefined;
    const rows = await sql<MessageRow[]>`
      SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
      WHERE conversation_id = ${conversationId} AND seq > ${range.after ?? 0} AND seq < ${upper} ${only}
      ORDER BY seq ${forwards ? sql`ASC` : sql`DESC`} LIMIT ${range.limit + 1}`;
    const page = rows.slice(0, range.limit);
    return { messages: (forwards ? page : page.reverse()).map(toMessage), hasMore: rows.length > range.limit };
  }

  async threadReadState(conversationId: string, threadId: string, userId: string): Promise<ThreadReadState> {
    const [row] = await this.#db.sql<{ read_seq: number; unread: number }[]>`
      WITH r AS (SELECT COALESCE((SELECT read_seq FROM thread_reads
        WHERE conversation_id = ${conversationId} AND thread_id = ${threadId} AND user_id = ${userId}), 0) AS read_seq)
      SELECT r.read_seq, (SELECT COUNT(*)::int FROM messages WHERE conversation_id = ${conversationId} AND thread_id = ${threadId}
        AND seq > r.read_seq AND (sender_id IS NULL OR sender_id <> ${userId}) AND deleted_at IS NULL) AS unread
      FROM r`;
    return { readSeq: row?.read_seq ?? 0, unreadCount: row?.unread ?? 0 };
  }

  async readThread(conversationId: string, threadId: string, userId: string, seq: number): Promise<ThreadReadState> {
    await this.#db.sql`
      INSERT INTO thread_reads (conversation_id, thread_id, user_id, read_seq)
      SELECT ${conversationId}, ${threadId}, ${userId}, LEAST(${seq}::int, COALESCE((thread::jsonb->>'lastReplySeq')::int, 0))
      FROM messages WHERE id = ${threadId} AND conversation_id = ${conversationId}
      ON CONFLICT (conversation_id, thread_id, user_id) DO UPDATE SET read_seq = GREATEST(thread_reads.read_seq, excluded.read_seq)`;
    return this.threadReadState(conversationId, threadId, userId);
  }

  async edit(
    conversationId: string,
    messageId: string,
    text: string,
    now: number,
    mentions?: MessageMentions,
    previews?: readonly LinkPreview[],
  ) {
    const stored = mentions ? storedMentions(mentions) : undefined;
    return this.#changeLiveMessage(
      conversationId,
      messageId,
      'message.updated',
      {
        text,
        edited_at: now,
        ...(stored ? { mentions: JSON.stringify(stored) } : {}),
        ...(previews ? { previews: JSON.stringify(previews) } : {}),
      },
      now,
      stored,
    );
  }

  async setPreviews(conversationId: string, messageId: string, text: string, previews: readonly LinkPreview[], now: number) {
    const json = JSON.stringify(previews);
    return this.#db.transaction(async (tx) => {
      const [row] = await tx<MessageRow[]>`
        UPDATE messages SET previews = ${json}
        WHERE id = ${messageId} AND conversation_id = ${conversationId} AND text = ${text} AND deleted_at IS NULL AND previews <> ${json}
        RETURNING ${tx.unsafe(MESSAGE_COLUMNS)}`;
      if (!row) return null;
      // The message's conversation exists: its row was just updated.
      const eventSeq = (await recordEvent(tx, conversationId, 'message.updated', messageId, null, now)) as number;
      return { message: toMessage(row), eventSeq };
    });
  }

  async delete(conversationId: string, messageId: string, now: number) {
    return this.#changeLiveMessage(
      conversationId,
      messageId,
      'message.deleted',
      { text: '', metadata: '{}', attachment: null, content: null, reactions: '[]', mentions: '[]', previews: '[]', deleted_at: now },
      now,
      [],
    );
  }

  /**
   * Updates a message that is not deleted and records `type`; a deleted one comes back
   * unchanged with `eventSeq: null`. Given `mentions` (stored form) replace the message's
   * entries in the mentions index.
   */
  async #changeLiveMessage(
    conversationId: string,
    messageId: string,
    type: 'message.updated' | 'message.deleted',
    changes: Record<string, string | number | null>,
    now: number,
    mentions?: readonly string[],
  ) {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx<MessageRow[]>`
        UPDATE messages SET ${tx(changes)}
        WHERE id = ${messageId} AND conversation_id = ${conversationId} AND deleted_at IS NULL
        RETURNING ${tx.unsafe(MESSAGE_COLUMNS)}`;
      if (row && mentions) {
        await tx`DELETE FROM message_mentions WHERE conversation_id = ${conversationId} AND seq = ${row.seq}`;
        const entries = mentions.map((userId) => ({
          conversation_id: conversationId,
          user_id: userId,
          seq: row.seq,
          sender_id: row.sender_id,
        }));
        if (entries.length > 0) await tx`INSERT INTO message_mentions ${tx(entries)} ON CONFLICT DO NOTHING`;
      }
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

  async applyReceipts(batch: readonly ReceiptInput[], move: MoveHorizons): Promise<ReceiptOutcome[]> {
    if (batch.length === 0) return [];
    return this.#db.transaction((tx) => receiptBatch(tx, batch, move));
  }
}
