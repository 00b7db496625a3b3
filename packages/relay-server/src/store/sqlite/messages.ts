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
import { indexMentions, SqliteAppend } from './append.js';
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';
import type { SqliteSearchIndex } from './search.js';

/** Messages and receipts in SQLite. */
export class SqliteMessages implements MessagesRepository {
  readonly #db: SqliteDb;
  readonly #searchIndex: SqliteSearchIndex;

  constructor(db: SqliteDb, searchIndex: SqliteSearchIndex) {
    this.#db = db;
    this.#searchIndex = searchIndex;
  }

  async append(batch: readonly AppendInput[], plan: AppendPlan): Promise<AppendOutcome[]> {
    const outcomes = this.#db.transaction(() => new SqliteAppend(this.#db, plan).run(batch));
    this.#searchIndex.schedule();
    return outcomes;
  }

  async get(conversationId: string, messageId: string): Promise<Message | null> {
    const row = this.#db.get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`,
      messageId,
      conversationId,
    );
    return row ? toMessage(row) : null;
  }

  async list(conversationId: string, range: MessageRange) {
    const upper = range.before ?? Number.MAX_SAFE_INTEGER;
    const view = range.view;
    const only = !view ? '' : 'thread' in view ? 'AND thread_id = @thread' : 'AND (thread_id IS NULL OR show_in_conversation)';
    const params = {
      conversationId,
      upper,
      limit: range.limit + 1,
      after: range.after ?? 0,
      thread: view && 'thread' in view ? view.thread : null,
    };
    const forwards = range.after !== undefined;
    const rows = this.#db.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = @conversationId AND seq > @after AND seq < @upper ${only}
       ORDER BY seq ${forwards ? 'ASC' : 'DESC'} LIMIT @limit`,
      params,
    );
    const page = rows.slice(0, range.limit);
    return { messages: (forwards ? page : page.reverse()).map(toMessage), hasMore: rows.length > range.limit };
  }

  async threadReadState(conversationId: string, threadId: string, userId: string): Promise<ThreadReadState> {
    const row = this.#db.get<{ read_seq: number }>(
      'SELECT read_seq FROM thread_reads WHERE conversation_id = ? AND thread_id = ? AND user_id = ?',
      conversationId,
      threadId,
      userId,
    );
    const readSeq = row?.read_seq ?? 0;
    const unread = this.#db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ? AND thread_id = ? AND seq > ?
       AND (sender_id IS NULL OR sender_id <> ?) AND deleted_at IS NULL`,
      conversationId,
      threadId,
      readSeq,
      userId,
    );
    return { readSeq, unreadCount: unread?.n ?? 0 };
  }

  async readThread(conversationId: string, threadId: string, userId: string, seq: number): Promise<ThreadReadState> {
    this.#db.run(
      `INSERT INTO thread_reads (conversation_id, thread_id, user_id, read_seq)
       SELECT @conversationId, @threadId, @userId, MIN(@seq, COALESCE(json_extract(thread, '$.lastReplySeq'), 0))
       FROM messages WHERE id = @threadId AND conversation_id = @conversationId
       ON CONFLICT (conversation_id, thread_id, user_id) DO UPDATE SET read_seq = MAX(read_seq, excluded.read_seq)`,
      { conversationId, threadId, userId, seq },
    );
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
    return this.#db.transaction(() => {
      const stored = mentions ? JSON.stringify(storedMentions(mentions)) : null;
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET text = ?, edited_at = ?, mentions = COALESCE(?, mentions), previews = COALESCE(?, previews)
         WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        text,
        now,
        stored,
        previews ? JSON.stringify(previews) : null,
        messageId,
        conversationId,
      );
      if (row && mentions) {
        this.#unindexMentions(conversationId, row.seq);
        indexMentions(this.#db, conversationId, row.seq, row.sender_id, storedMentions(mentions));
      }
      if (row) return { message: toMessage(row), eventSeq: recordEvent(this.#db, conversationId, 'message.updated', messageId, null, now) };
      const current = this.#messageRow(conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
  }

  async setPreviews(conversationId: string, messageId: string, text: string, previews: readonly LinkPreview[], now: number) {
    return this.#db.transaction(() => {
      const json = JSON.stringify(previews);
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET previews = ?
         WHERE id = ? AND conversation_id = ? AND text = ? AND deleted_at IS NULL AND previews <> ? RETURNING ${MESSAGE_COLUMNS}`,
        json,
        messageId,
        conversationId,
        text,
        json,
      );
      if (!row) return null;
      return { message: toMessage(row), eventSeq: recordEvent(this.#db, conversationId, 'message.updated', messageId, null, now) };
    });
  }

  async delete(conversationId: string, messageId: string, now: number) {
    return this.#db.transaction(() => {
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET text = '', metadata = '{}', attachment = NULL, content = NULL, reactions = '[]', mentions = '[]', previews = '[]', deleted_at = ?
         WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        now,
        messageId,
        conversationId,
      );
      if (row) this.#unindexMentions(conversationId, row.seq);
      if (row) return { message: toMessage(row), eventSeq: recordEvent(this.#db, conversationId, 'message.deleted', messageId, null, now) };
      const current = this.#messageRow(conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
  }

  async react(conversationId: string, messageId: string, userId: string, plan: (current: StoredReactions) => ReactionPlan, now: number) {
    return this.#db.transaction(() => {
      const current = this.#messageRow(conversationId, messageId);
      if (!current) return null;
      const planned = current.deleted_at === null ? plan(JSON.parse(current.reactions) as StoredReactions) : null;
      if (!planned) return { ok: true as const, message: toMessage(current), eventSeq: null };
      if (!planned.ok) return planned;
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET reactions = ? WHERE id = ? RETURNING ${MESSAGE_COLUMNS}`,
        JSON.stringify(planned.reactions),
        messageId,
      ) as MessageRow;
      return {
        ok: true as const,
        message: toMessage(row),
        eventSeq: recordEvent(this.#db, conversationId, 'reaction.updated', messageId, userId, now),
      };
    });
  }

  #unindexMentions(conversationId: string, seq: number): void {
    this.#db.run('DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?', conversationId, seq);
  }

  #messageRow(conversationId: string, messageId: string): MessageRow | undefined {
    return this.#db.get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`,
      messageId,
      conversationId,
    );
  }

  async getMany(conversationId: string, messageIds: readonly string[]): Promise<Message[]> {
    if (messageIds.length === 0) return [];
    return this.#db
      .all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
        conversationId,
        JSON.stringify(messageIds),
      )
      .map(toMessage);
  }

  async applyReceipts(batch: readonly ReceiptInput[], move: MoveHorizons): Promise<ReceiptOutcome[]> {
    return this.#db.transaction(() => batch.map((input) => this.#applyReceipt(input, move)));
  }

  #applyReceipt(input: ReceiptInput, move: MoveHorizons): ReceiptOutcome {
    const row = this.#db.get<{ delivered_seq: number; read_seq: number; last_seq: number }>(
      `SELECT m.delivered_seq, m.read_seq, c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND m.user_id = ?`,
      input.conversationId,
      input.userId,
    );
    if (!row) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    const outcome = move(input, row.delivered_seq, row.read_seq, row.last_seq);
    if (outcome.readSeq === row.read_seq && outcome.deliveredSeq === row.delivered_seq) return outcome;
    this.#db.run(
      'UPDATE members SET delivered_seq = ?, read_seq = ? WHERE conversation_id = ? AND user_id = ?',
      outcome.deliveredSeq,
      outcome.readSeq,
      input.conversationId,
      input.userId,
    );
    outcome.eventSeq = recordEvent(this.#db, input.conversationId, 'receipt', null, input.userId, input.now);
    return outcome;
  }
}
