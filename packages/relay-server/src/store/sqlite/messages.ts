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
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';

/** Messages and receipts in SQLite. */
export class SqliteMessages implements MessagesRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async append(batch: readonly AppendInput[]): Promise<AppendOutcome[]> {
    return this.#db.transaction(() => {
      // Per batch, each conversation's counter is read once and written once, and each
      // (conversation, sender) membership is checked once: a batch is mostly the same few.
      const conversations = new Map<string, { lastSeq: number; lastActivityAt: number; changed: boolean; hasContacts: boolean } | null>();
      const members = new Map<string, boolean>();
      const outcomes = batch.map((input) => this.#appendOne(input, conversations, members));
      for (const [id, conv] of conversations) {
        if (conv?.changed) {
          this.#db.run(
            'UPDATE conversations SET last_seq = ?, last_activity_at = MAX(last_activity_at, ?) WHERE id = ?',
            conv.lastSeq,
            conv.lastActivityAt,
            id,
          );
        }
      }
      return outcomes;
    });
  }

  #appendOne(
    input: AppendInput,
    conversations: Map<string, { lastSeq: number; lastActivityAt: number; changed: boolean; hasContacts: boolean } | null>,
    members: Map<string, boolean>,
  ): AppendOutcome {
    let conv = conversations.get(input.conversationId);
    if (conv === undefined) {
      const row = this.#db.get<{ last_seq: number; last_activity_at: number }>(
        'SELECT last_seq, last_activity_at FROM conversations WHERE id = ?',
        input.conversationId,
      );
      // Whether any member is a contact: looked up once per conversation and batch, so conversations
      // of app users only pay nothing more per message.
      const hasContacts =
        row !== undefined &&
        this.#db.get(
          'SELECT 1 FROM members m JOIN contacts c ON c.id = m.user_id WHERE m.conversation_id = ? LIMIT 1',
          input.conversationId,
        ) !== undefined;
      conv = row ? { lastSeq: row.last_seq, lastActivityAt: row.last_activity_at, changed: false, hasContacts } : null;
      conversations.set(input.conversationId, conv);
    }
    const memberKey = `${input.conversationId}\u0000${input.senderId}`;
    let isMember = input.senderId === null || members.get(memberKey);
    if (isMember === undefined) {
      isMember =
        this.#db.get('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?', input.conversationId, input.senderId) !== undefined;
      members.set(memberKey, isMember);
    }
    // Membership first: to someone who is not (or no longer) a member, an id already stored
    // there answers exactly as any other send does.
    if (!conv || !isMember) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    if (
      input.replyTo !== null &&
      !this.#db.get('SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?', input.replyTo, input.conversationId)
    ) {
      return this.#existing(input) ?? { ok: false, code: 'REPLY_TARGET_NOT_FOUND' };
    }
    const seq = conv.lastSeq + 1;
    const inserted = this.#db.run(
      `INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reply_to, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      input.id,
      input.conversationId,
      seq,
      input.kind,
      input.senderId,
      input.text,
      JSON.stringify(input.metadata),
      input.attachment === null ? null : JSON.stringify(input.attachment),
      input.content === null ? null : JSON.stringify(input.content),
      input.replyTo,
      input.now,
    );
    if (inserted.changes === 0) return this.#existing(input) ?? { ok: false, code: 'MESSAGE_ID_CONFLICT' };
    conv.lastSeq = seq;
    conv.lastActivityAt = Math.max(conv.lastActivityAt, input.now);
    conv.changed = true;
    // The contacts among the members get a delivery on their channel, committed with the message.
    const dispatch =
      input.kind !== 'system' &&
      conv.hasContacts &&
      this.#db.run(
        `INSERT INTO deliveries (id, message_id, conversation_id, contact_id, seq, status, next_attempt_at, created_at, updated_at)
         SELECT lower(hex(randomblob(16))), ?, ?, c.id, ?, 'pending', ?, ?, ?
         FROM members m JOIN contacts c ON c.id = m.user_id
         WHERE m.conversation_id = ? AND c.id IS NOT ?`,
        input.id,
        input.conversationId,
        seq,
        input.now,
        input.now,
        input.now,
        input.conversationId,
        input.senderId,
      ).changes > 0;
    return { ok: true, created: true, message: appendedMessage(input, seq), dispatch };
  }

  /** The outcome for an id already stored: the original (a retry) or a conflict (someone else's id). */
  #existing(input: AppendInput): AppendOutcome | undefined {
    const existing = this.#db.get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, input.id);
    if (!existing) return undefined;
    const same = existing.conversation_id === input.conversationId && existing.sender_id === input.senderId;
    return same ? { ok: true, created: false, message: toMessage(existing) } : { ok: false, code: 'MESSAGE_ID_CONFLICT' };
  }

  async get(conversationId: string, messageId: string): Promise<Message | null> {
    const row = this.#db.get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`,
      messageId,
      conversationId,
    );
    return row ? toMessage(row) : null;
  }

  async list(conversationId: string, range: { before?: number; after?: number; limit: number }) {
    const upper = range.before ?? Number.MAX_SAFE_INTEGER;
    if (range.after !== undefined) {
      const rows = this.#db.all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?`,
        conversationId,
        range.after,
        upper,
        range.limit + 1,
      );
      const hasMore = rows.length > range.limit;
      return { messages: rows.slice(0, range.limit).map(toMessage), hasMore };
    }
    const rows = this.#db.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      conversationId,
      upper,
      range.limit + 1,
    );
    const hasMore = rows.length > range.limit;
    return { messages: rows.slice(0, range.limit).reverse().map(toMessage), hasMore };
  }

  async edit(conversationId: string, messageId: string, text: string, now: number) {
    return this.#db.transaction(() => {
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET text = ?, edited_at = ? WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        text,
        now,
        messageId,
        conversationId,
      );
      if (row) return { message: toMessage(row), eventSeq: recordEvent(this.#db, conversationId, 'message.updated', messageId, null, now) };
      const current = this.#messageRow(conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
  }

  async delete(conversationId: string, messageId: string, now: number) {
    return this.#db.transaction(() => {
      const row = this.#db.get<MessageRow>(
        `UPDATE messages SET text = '', metadata = '{}', attachment = NULL, content = NULL, reactions = '[]', deleted_at = ?
         WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        now,
        messageId,
        conversationId,
      );
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

  async applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]> {
    return this.#db.transaction(() => batch.map((input) => this.#applyReceipt(input)));
  }

  #applyReceipt(input: ReceiptInput): ReceiptOutcome {
    const row = this.#db.get<{ delivered_seq: number; read_seq: number; last_seq: number }>(
      `SELECT m.delivered_seq, m.read_seq, c.last_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND m.user_id = ?`,
      input.conversationId,
      input.userId,
    );
    if (!row) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    const target = Math.min(input.seq, row.last_seq);
    const readSeq = input.kind === 'read' ? Math.max(row.read_seq, target) : row.read_seq;
    const deliveredSeq = Math.max(row.delivered_seq, input.kind === 'read' ? readSeq : target);
    if (readSeq === row.read_seq && deliveredSeq === row.delivered_seq) return { ok: true, deliveredSeq, readSeq, eventSeq: null };
    this.#db.run(
      'UPDATE members SET delivered_seq = ?, read_seq = ? WHERE conversation_id = ? AND user_id = ?',
      deliveredSeq,
      readSeq,
      input.conversationId,
      input.userId,
    );
    const eventSeq = recordEvent(this.#db, input.conversationId, 'receipt', null, input.userId, input.now);
    return { ok: true, deliveredSeq, readSeq, eventSeq };
  }
}
