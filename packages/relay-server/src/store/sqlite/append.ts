import type { GroupMentions, MemberRole, Message } from '@chat4all/protocol';
import {
  appendedMessage,
  inputMentions,
  MESSAGE_COLUMNS,
  type MessageRow,
  parseThreadSummary,
  storedMentions,
  toMessage,
} from '../rows/messages.js';
import type { AppendCounters, AppendFacts, AppendInput, AppendOutcome, AppendPlan, SendRestrictions, ThreadRootFacts } from '../types.js';
import type { SqliteDb } from './db.js';
import { sendRestrictions } from './safety.js';

type Counters = AppendCounters & { hasContacts: boolean };

/**
 * One append batch in SQLite, inside its transaction: reads the facts `plan` asks for, one
 * input at a time, and writes what it decides. Per batch, each conversation's counter is
 * read once and written once, and each (conversation, sender) membership is checked once: a
 * batch is mostly the same few. An id already stored is learnt from its insert doing
 * nothing, so a new message costs no read of its own id.
 */
export class SqliteAppend implements AppendFacts {
  conversation: Counters | null = null;
  senderIsMember = false;
  stored: AppendFacts['stored'] = undefined;
  #input: AppendInput | undefined;
  readonly #conversations = new Map<string, Counters | null>();
  readonly #members = new Map<string, boolean>();

  constructor(
    private readonly db: SqliteDb,
    private readonly plan: AppendPlan,
  ) {}

  /** Looked up only when the plan gets that far: a non-member's reply target is never read. */
  get replyTargetFound(): boolean {
    const input = this.#input;
    if (!input || input.replyTo === null) return true;
    return this.db.get('SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?', input.replyTo, input.conversationId) !== undefined;
  }

  get threadRoot(): ThreadRootFacts | null {
    const input = this.#input;
    if (!input?.threadId) return null;
    const row = this.db.get<{ thread_id: string | null; deleted_at: number | null }>(
      'SELECT thread_id, deleted_at FROM messages WHERE id = ? AND conversation_id = ?',
      input.threadId,
      input.conversationId,
    );
    return row ? { threadId: row.thread_id, deleted: row.deleted_at !== null } : null;
  }

  get senderRestrictions(): SendRestrictions {
    const input = this.#input;
    if (!input || input.senderId === null) return { mutedUntil: undefined, blocked: false };
    return sendRestrictions(this.db, input.conversationId, input.senderId, input.now);
  }

  get mentionsAreMembers(): boolean {
    const mentions = this.#input?.mentions;
    if (!mentions || mentions.length === 0) return true;
    const found = this.db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM members WHERE conversation_id = ? AND user_id IN (SELECT value FROM json_each(?))',
      this.#input?.conversationId,
      JSON.stringify(mentions),
    );
    return found?.n === mentions.length;
  }

  get groupMentions(): GroupMentions {
    const row = this.db.get<{ group_mentions: GroupMentions }>(
      'SELECT group_mentions FROM conversations WHERE id = ?',
      this.#input?.conversationId,
    );
    return row?.group_mentions ?? 'off';
  }

  get senderRole(): MemberRole | null {
    const input = this.#input;
    if (!input || input.senderId === null) return null;
    const row = this.db.get<{ role: MemberRole }>(
      'SELECT role FROM members WHERE conversation_id = ? AND user_id = ?',
      input.conversationId,
      input.senderId,
    );
    return row?.role ?? null;
  }

  run(batch: readonly AppendInput[]): AppendOutcome[] {
    const outcomes = batch.map((input) => this.#appendOne(input));
    for (const [id, conv] of this.#conversations) {
      if (conv?.changed) {
        this.db.run(
          'UPDATE conversations SET last_seq = ?, last_activity_at = MAX(last_activity_at, ?) WHERE id = ?',
          conv.lastSeq,
          conv.lastActivityAt,
          id,
        );
      }
    }
    return outcomes;
  }

  #appendOne(input: AppendInput): AppendOutcome {
    this.#input = input;
    const conv = this.#counters(input.conversationId);
    this.conversation = conv;
    this.senderIsMember = this.#isMember(input);
    this.stored = undefined;
    const decision = this.plan.decide(input, this);
    // A seq is only ever decided for a conversation that exists.
    if (typeof decision === 'number') return this.#insert(input, conv as Counters, decision);
    // A refusal decided before the id was read may be a retry of a stored message: that answers first.
    if (decision === 'MEMBER_MUTED')
      return this.#asStored(input) ?? { ok: false, code: decision, mutedUntil: this.senderRestrictions.mutedUntil };
    if (decision !== 'stored' && decision !== 'CONVERSATION_NOT_FOUND' && decision !== 'MESSAGE_ID_CONFLICT')
      return this.#asStored(input) ?? { ok: false, code: decision };
    // Nothing stored was read yet, so the plan can only have refused.
    return { ok: false, code: decision === 'stored' ? 'MESSAGE_ID_CONFLICT' : decision };
  }

  #insert(input: AppendInput, conv: Counters, seq: number): AppendOutcome {
    const mentioned = storedMentions(inputMentions(input));
    const inserted = this.db.run(
      `INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, mentions, reply_to,
         thread_id, show_in_conversation, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      input.id,
      input.conversationId,
      seq,
      input.kind,
      input.senderId,
      input.text,
      JSON.stringify(input.metadata),
      input.attachment === null ? null : JSON.stringify(input.attachment),
      input.content === null ? null : JSON.stringify(input.content),
      JSON.stringify(mentioned),
      input.replyTo,
      input.threadId ?? null,
      input.showInConversation ? 1 : 0,
      input.now,
    );
    if (inserted.changes === 0) return this.#asStored(input) ?? { ok: false, code: 'MESSAGE_ID_CONFLICT' };
    this.plan.advance(conv, input, seq);
    if (mentioned.length > 0) indexMentions(this.db, input.conversationId, seq, input.senderId, mentioned);
    const message = appendedMessage(input, seq);
    if (input.threadId) this.#summarize(input.threadId, message);
    // The contacts among the members get a delivery on their channel, committed with the message.
    const dispatch =
      this.plan.dispatches(input) &&
      conv.hasContacts &&
      this.db.run(
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
    return { ok: true, created: true, message, dispatch };
  }

  /** The root's thread summary moves past the new reply, in the append's transaction. */
  #summarize(rootId: string, reply: Message): void {
    const row = this.db.get<{ thread: string | null }>('SELECT thread FROM messages WHERE id = ?', rootId);
    const summary = this.plan.summarize(parseThreadSummary(row?.thread ?? null), reply);
    this.db.run('UPDATE messages SET thread = ? WHERE id = ?', JSON.stringify(summary), rootId);
  }

  #counters(conversationId: string): Counters | null {
    let conv = this.#conversations.get(conversationId);
    if (conv !== undefined) return conv;
    const row = this.db.get<{ last_seq: number; last_activity_at: number }>(
      'SELECT last_seq, last_activity_at FROM conversations WHERE id = ?',
      conversationId,
    );
    // Whether any member is a contact: looked up once per conversation and batch, so conversations
    // of app users only pay nothing more per message.
    const hasContacts =
      row !== undefined &&
      this.db.get('SELECT 1 FROM members m JOIN contacts c ON c.id = m.user_id WHERE m.conversation_id = ? LIMIT 1', conversationId) !==
        undefined;
    conv = row ? { lastSeq: row.last_seq, lastActivityAt: row.last_activity_at, changed: false, hasContacts } : null;
    this.#conversations.set(conversationId, conv);
    return conv;
  }

  #isMember(input: AppendInput): boolean {
    if (input.senderId === null) return true;
    const key = `${input.conversationId}\u0000${input.senderId}`;
    let isMember = this.#members.get(key);
    if (isMember === undefined) {
      isMember =
        this.db.get('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?', input.conversationId, input.senderId) !== undefined;
      this.#members.set(key, isMember);
    }
    return isMember;
  }

  /** The outcome for an id already stored, as the plan reads it: the original (a retry) or a conflict; undefined when it is not stored. */
  #asStored(input: AppendInput): AppendOutcome | undefined {
    const existing = this.db.get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, input.id);
    if (!existing) return undefined;
    this.stored = { conversationId: existing.conversation_id, senderId: existing.sender_id };
    const decision = this.plan.decide(input, this);
    if (decision === 'stored') return { ok: true, created: false, message: toMessage(existing) };
    return { ok: false, code: typeof decision === 'number' ? 'MESSAGE_ID_CONFLICT' : decision };
  }
}

/** Adds a message's mentions (stored form, the group one included) to the index unread mention counts read. */
export function indexMentions(
  db: SqliteDb,
  conversationId: string,
  seq: number,
  senderId: string | null,
  mentioned: readonly string[],
): void {
  db.run(
    `INSERT OR IGNORE INTO message_mentions (conversation_id, user_id, seq, sender_id)
     SELECT ?, value, ?, ? FROM json_each(?)`,
    conversationId,
    seq,
    senderId,
    JSON.stringify(mentioned),
  );
}
