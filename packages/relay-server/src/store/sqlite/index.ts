import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Contact, ConversationSummary, Member, MemberRole, Message, Metadata, User } from '@chat4all/protocol';
import Database from 'better-sqlite3';
import {
  appendedMessage,
  type ChannelHoldRow,
  CONTACT_COLUMNS,
  type ContactRow,
  type ConversationRow,
  DELIVERY_COLUMNS,
  type DeliveryRow,
  IDENTITY_COLUMNS,
  type IdentityRow,
  type MemberRow,
  type MessageRow,
  patchDelivery,
  toChannelHold,
  toContacts,
  toConversation,
  toDeliveryRecord,
  toEarlyStatus,
  toMember,
  toMessage,
  toUploadRecord,
  toUser,
  toWebhookCall,
  toWebhookRecord,
  UPLOAD_COLUMNS,
  type UploadRow,
  type UserRow,
  uploadRow,
  WEBHOOK_CALL_COLUMNS,
  WEBHOOK_COLUMNS,
  type WebhookCallRow,
  type WebhookRow,
  webhookCallRow,
} from '../rows.js';
import type {
  AppendInput,
  AppendOutcome,
  ChannelHold,
  ContactInput,
  ContactOutcome,
  ConversationCursor,
  ConversationPatch,
  DeliveryKey,
  DeliveryPatch,
  DeliveryRecord,
  EarlyStatus,
  GroupInput,
  ReactionPlan,
  ReceiptInput,
  ReceiptOutcome,
  RefreshFamily,
  RefreshRotation,
  RefreshTokenRecord,
  Store,
  StoreCapabilities,
  StoredEvent,
  StoredEventType,
  StoredReactions,
  SyncEntry,
  UploadRecord,
  UserInput,
  WebhookCall,
  WebhookRecord,
} from '../types.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. Ignored when `database` is given. */
  path?: string;
  /** An open better-sqlite3 database to use instead of opening `path`. The store closes it on `close()`. */
  database?: Database.Database;
  /** `synchronous` pragma. @default 'full' */
  synchronous?: 'full' | 'normal';
}

const MESSAGE_COLUMNS =
  'id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reactions, reply_to, created_at, edited_at, deleted_at';
const CONVERSATION_COLUMNS = 'id, type, title, avatar_url, metadata, created_at, last_activity_at, last_seq, last_event_seq';
const MEMBER_COLUMNS = 'user_id, role, joined_at, delivered_seq, read_seq';

/**
 * The embedded store. better-sqlite3 is synchronous, so each method runs to completion on
 * the event loop; batching appends (see `AppendBatcher`) keeps that to one transaction
 * (and one fsync) per tick.
 */
export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities = {};
  readonly db: Database.Database;
  #stmts = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions = {}) {
    if (options.database) {
      this.db = options.database;
    } else {
      const path = options.path ?? ':memory:';
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // 32 MiB of page cache (the default is 2 MiB): keeps the id and (conversation, seq) indexes hot.
    this.db.pragma('cache_size = -32768');
  }

  #stmt(sql: string): Database.Statement {
    let stmt = this.#stmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.#stmts.set(sql, stmt);
    }
    return stmt;
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: unknown[]): T[] {
    return this.#stmt(sql).all(...params) as T[];
  }

  #run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.#stmt(sql).run(...params);
  }

  async migrate(): Promise<void> {
    const apply = this.db.transaction(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      SQLITE_MIGRATIONS.slice(current).forEach((sql, index) => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${current + index + 1}`);
      });
    });
    apply.immediate();
  }

  async ping(): Promise<void> {
    this.#get('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // -- users ---------------------------------------------------------------------------

  async upsertUser(input: UserInput, now: number): Promise<User> {
    const row = this.#get<UserRow>(
      `INSERT INTO users (id, display_name, avatar_url, metadata, private_metadata, created_at, updated_at)
       VALUES (@id, @displayName, @avatarUrl, @metadata, @privateMetadata, @now, @now)
       ON CONFLICT (id) DO UPDATE SET
         display_name = CASE WHEN @setDisplayName THEN excluded.display_name ELSE display_name END,
         avatar_url = CASE WHEN @setAvatarUrl THEN excluded.avatar_url ELSE avatar_url END,
         metadata = CASE WHEN @setMetadata THEN excluded.metadata ELSE metadata END,
         private_metadata = CASE WHEN @setPrivateMetadata THEN excluded.private_metadata ELSE private_metadata END,
         updated_at = excluded.updated_at
       RETURNING *`,
      {
        id: input.id,
        displayName: input.displayName ?? null,
        avatarUrl: input.avatarUrl ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        privateMetadata: JSON.stringify(input.privateMetadata ?? {}),
        now,
        setDisplayName: input.displayName === undefined ? 0 : 1,
        setAvatarUrl: input.avatarUrl === undefined ? 0 : 1,
        setMetadata: input.metadata === undefined ? 0 : 1,
        setPrivateMetadata: input.privateMetadata === undefined ? 0 : 1,
      },
    );
    return toUser(row as UserRow);
  }

  async getUserPrivateMetadata(id: string): Promise<Metadata | null> {
    const row = this.#get<{ private_metadata: string }>('SELECT private_metadata FROM users WHERE id = ?', id);
    return row ? (JSON.parse(row.private_metadata) as Metadata) : null;
  }

  async ensureUser(id: string, displayName: string | null, now: number): Promise<boolean> {
    const result = this.#run(
      'INSERT INTO users (id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      id,
      displayName,
      now,
      now,
    );
    return result.changes > 0;
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.#get<UserRow>('SELECT * FROM users WHERE id = ?', id);
    return row ? toUser(row) : null;
  }

  async existingUserIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = this.#all<{ id: string }>(
      'SELECT value AS id FROM json_each(?) WHERE value IN (SELECT id FROM users)',
      JSON.stringify(ids),
    );
    return new Set(rows.map((row) => row.id));
  }

  async createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false> {
    const create = this.db.transaction(() => {
      if (this.#get('SELECT 1 FROM accounts WHERE username = ?', input.username)) return false;
      const row = this.#get<UserRow>(
        'INSERT INTO users (id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING *',
        input.userId,
        input.displayName,
        now,
        now,
      ) as UserRow;
      this.#run(
        'INSERT INTO accounts (username, user_id, password_hash, created_at) VALUES (?, ?, ?, ?)',
        input.username,
        input.userId,
        input.passwordHash,
        now,
      );
      return toUser(row);
    });
    return create.immediate();
  }

  async getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null> {
    const row = this.#get<{ user_id: string; password_hash: string }>(
      'SELECT user_id, password_hash FROM accounts WHERE username = ?',
      username,
    );
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : null;
  }

  // -- refresh tokens ------------------------------------------------------------------

  async insertRefreshToken(record: RefreshTokenRecord): Promise<void> {
    this.#run(
      'INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)',
      record.tokenHash,
      record.familyId,
      record.userId,
      record.expiresAt,
    );
  }

  async rotateRefreshToken(
    tokenHash: string,
    next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>,
    now: number,
  ): Promise<RefreshRotation> {
    const rotate = this.db.transaction((): RefreshRotation => {
      const row = this.#get<{ family_id: string; user_id: string; expires_at: number; used_at: number | null; revoked_at: number | null }>(
        'SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?',
        tokenHash,
      );
      if (!row) return { ok: false, reason: 'invalid' };
      if (row.used_at !== null) {
        this.#run('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', now, row.family_id);
        return { ok: false, reason: 'reused', userId: row.user_id, familyId: row.family_id };
      }
      if (row.revoked_at !== null || row.expires_at <= now) return { ok: false, reason: 'invalid' };
      this.#run('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?', now, tokenHash);
      this.#run(
        'INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)',
        next.tokenHash,
        row.family_id,
        row.user_id,
        next.expiresAt,
      );
      return { ok: true, userId: row.user_id, familyId: row.family_id };
    });
    return rotate.immediate();
  }

  async revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null> {
    const row = this.#get<{ family_id: string; user_id: string }>(
      'SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ?',
      tokenHash,
    );
    if (!row) return null;
    this.#run(`UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, unixepoch('subsec') * 1000) WHERE family_id = ?`, row.family_id);
    return { userId: row.user_id, familyId: row.family_id };
  }

  async refreshFamilyRevoked(familyId: string): Promise<boolean> {
    return (
      this.#get<{ one: number }>('SELECT 1 AS one FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NOT NULL LIMIT 1', familyId) !==
      undefined
    );
  }

  // -- conversations ---------------------------------------------------------------------

  async createPrivateConversation(input: { id: string; userIds: [string, string]; now: number }) {
    const key = [...input.userIds].sort().join('\u0000');
    const create = this.db.transaction(() => {
      const existing = this.#get<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE private_key = ?`, key);
      if (existing) return { conversation: toConversation(existing), created: false };
      const row = this.#get<ConversationRow>(
        `INSERT INTO conversations (id, type, private_key, created_at, last_activity_at) VALUES (?, 'private', ?, ?, ?)
         RETURNING ${CONVERSATION_COLUMNS}`,
        input.id,
        key,
        input.now,
        input.now,
      ) as ConversationRow;
      for (const userId of new Set(input.userIds)) {
        this.#run(
          "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
          input.id,
          userId,
          input.now,
        );
      }
      return { conversation: toConversation(row), created: true };
    });
    return create.immediate();
  }

  async createGroupConversation(input: GroupInput) {
    const create = this.db.transaction(() => {
      const row = this.#get<ConversationRow>(
        `INSERT INTO conversations (id, type, title, avatar_url, metadata, created_at, last_activity_at)
         VALUES (?, 'group', ?, ?, ?, ?, ?) RETURNING ${CONVERSATION_COLUMNS}`,
        input.id,
        input.title,
        input.avatarUrl,
        JSON.stringify(input.metadata),
        input.now,
        input.now,
      ) as ConversationRow;
      this.#run(
        "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)",
        input.id,
        input.ownerId,
        input.now,
      );
      for (const userId of new Set(input.memberIds)) {
        if (userId === input.ownerId) continue;
        this.#run(
          "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
          input.id,
          userId,
          input.now,
        );
      }
      return toConversation(row);
    });
    return create.immediate();
  }

  async getConversation(id: string) {
    const row = this.#get<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`, id);
    return row ? toConversation(row) : null;
  }

  async updateConversation(id: string, patch: ConversationPatch, now: number) {
    const update = this.db.transaction(() => {
      if (!this.#get('SELECT 1 FROM conversations WHERE id = ?', id)) return null;
      this.#recordEvent(id, 'conversation.updated', null, null, now);
      return this.#get<ConversationRow>(
        `UPDATE conversations SET
         title = CASE WHEN @setTitle THEN @title ELSE title END,
         avatar_url = CASE WHEN @setAvatarUrl THEN @avatarUrl ELSE avatar_url END,
         metadata = CASE WHEN @setMetadata THEN @metadata ELSE metadata END
       WHERE id = @id RETURNING ${CONVERSATION_COLUMNS}`,
        {
          id,
          title: patch.title ?? null,
          avatarUrl: patch.avatarUrl ?? null,
          metadata: JSON.stringify(patch.metadata ?? {}),
          setTitle: patch.title === undefined ? 0 : 1,
          setAvatarUrl: patch.avatarUrl === undefined ? 0 : 1,
          setMetadata: patch.metadata === undefined ? 0 : 1,
        },
      );
    });
    const row = update.immediate();
    return row ? toConversation(row) : null;
  }

  /** Advances the conversation's event counter and logs the change; returns the new event seq. */
  #recordEvent(conversationId: string, type: StoredEventType, messageId: string | null, userId: string | null, now: number): number {
    const row = this.#get<{ last_event_seq: number }>(
      'UPDATE conversations SET last_event_seq = last_event_seq + 1 WHERE id = ? RETURNING last_event_seq',
      conversationId,
    ) as { last_event_seq: number };
    this.#run(
      'INSERT INTO events (conversation_id, event_seq, type, message_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      conversationId,
      row.last_event_seq,
      type,
      messageId,
      userId,
      now,
    );
    return row.last_event_seq;
  }

  async getMember(conversationId: string, userId: string) {
    const row = this.#get<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE conversation_id = ? AND user_id = ?`,
      conversationId,
      userId,
    );
    return row ? toMember(row) : null;
  }

  async listMembers(conversationId: string) {
    return this.#all<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE conversation_id = ?
       ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`,
      conversationId,
    ).map(toMember);
  }

  async addMembers(conversationId: string, userIds: readonly string[], role: MemberRole, now: number) {
    const add = this.db.transaction(() => {
      const added: Array<{ member: Member; eventSeq: number }> = [];
      for (const userId of new Set(userIds)) {
        const row = this.#get<MemberRow>(
          `INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
          conversationId,
          userId,
          role,
          now,
        );
        if (row) added.push({ member: toMember(row), eventSeq: this.#recordEvent(conversationId, 'member.added', null, userId, now) });
      }
      return added;
    });
    return add.immediate();
  }

  async removeMember(conversationId: string, userId: string, now: number) {
    const remove = this.db.transaction(() => {
      const removed = this.#run('DELETE FROM members WHERE conversation_id = ? AND user_id = ?', conversationId, userId).changes > 0;
      return removed ? this.#recordEvent(conversationId, 'member.removed', null, userId, now) : null;
    });
    return remove.immediate();
  }

  async setMemberRole(conversationId: string, userId: string, role: MemberRole, now: number) {
    const update = this.db.transaction(() => {
      const row = this.#get<MemberRow>(
        `UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ? RETURNING ${MEMBER_COLUMNS}`,
        role,
        conversationId,
        userId,
      );
      return row ? { member: toMember(row), eventSeq: this.#recordEvent(conversationId, 'member.updated', null, userId, now) } : null;
    });
    return update.immediate();
  }

  async listConversations(userId: string, page: { limit: number; after: ConversationCursor | null }) {
    const rows = this.#all<ConversationRow & { role: MemberRole; read_seq: number; member_count: number }>(
      `SELECT ${CONVERSATION_COLUMNS.split(', ')
        .map((c) => `c.${c}`)
        .join(', ')}, m.role, m.read_seq,
              (SELECT COUNT(*) FROM members WHERE conversation_id = c.id) AS member_count
       FROM members m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.user_id = @userId
         AND (@afterAt IS NULL OR c.last_activity_at < @afterAt OR (c.last_activity_at = @afterAt AND c.id < @afterId))
       ORDER BY c.last_activity_at DESC, c.id DESC
       LIMIT @limit`,
      { userId, afterAt: page.after?.lastActivityAt ?? null, afterId: page.after?.id ?? '', limit: page.limit },
    );
    return rows.map((row): ConversationSummary => {
      const last =
        row.last_seq > 0
          ? this.#get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq = ?`, row.id, row.last_seq)
          : undefined;
      const unread = this.#get<{ n: number }>(
        'SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ? AND seq > ? AND (sender_id IS NULL OR sender_id <> ?) AND deleted_at IS NULL',
        row.id,
        row.read_seq,
        userId,
      );
      return {
        ...toConversation(row),
        role: row.role,
        memberCount: row.member_count,
        lastMessage: last ? toMessage(last) : null,
        unreadCount: unread?.n ?? 0,
      };
    });
  }

  // -- messages ------------------------------------------------------------------------

  async appendMessages(batch: readonly AppendInput[]): Promise<AppendOutcome[]> {
    const append = this.db.transaction(() => {
      // Per batch, each conversation's counter is read once and written once, and each
      // (conversation, sender) membership is checked once: a batch is mostly the same few.
      const conversations = new Map<string, { lastSeq: number; lastActivityAt: number; changed: boolean; hasContacts: boolean } | null>();
      const members = new Map<string, boolean>();
      const outcomes = batch.map((input) => this.#appendOne(input, conversations, members));
      for (const [id, conv] of conversations) {
        if (conv?.changed) {
          this.#run(
            'UPDATE conversations SET last_seq = ?, last_activity_at = MAX(last_activity_at, ?) WHERE id = ?',
            conv.lastSeq,
            conv.lastActivityAt,
            id,
          );
        }
      }
      return outcomes;
    });
    return append.immediate();
  }

  #appendOne(
    input: AppendInput,
    conversations: Map<string, { lastSeq: number; lastActivityAt: number; changed: boolean; hasContacts: boolean } | null>,
    members: Map<string, boolean>,
  ): AppendOutcome {
    let conv = conversations.get(input.conversationId);
    if (conv === undefined) {
      const row = this.#get<{ last_seq: number; last_activity_at: number }>(
        'SELECT last_seq, last_activity_at FROM conversations WHERE id = ?',
        input.conversationId,
      );
      // Whether any member is a contact: looked up once per conversation and batch, so conversations
      // of app users only pay nothing more per message.
      const hasContacts =
        row !== undefined &&
        this.#get(
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
        this.#get('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?', input.conversationId, input.senderId) !== undefined;
      members.set(memberKey, isMember);
    }
    // Membership first: to someone who is not (or no longer) a member, an id already stored
    // there answers exactly as any other send does.
    if (!conv || !isMember) return { ok: false, code: 'CONVERSATION_NOT_FOUND' };
    if (
      input.replyTo !== null &&
      !this.#get('SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?', input.replyTo, input.conversationId)
    ) {
      return this.#existing(input) ?? { ok: false, code: 'REPLY_TARGET_NOT_FOUND' };
    }
    const seq = conv.lastSeq + 1;
    const inserted = this.#run(
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
      this.#run(
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
    const existing = this.#get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, input.id);
    if (!existing) return undefined;
    const same = existing.conversation_id === input.conversationId && existing.sender_id === input.senderId;
    return same ? { ok: true, created: false, message: toMessage(existing) } : { ok: false, code: 'MESSAGE_ID_CONFLICT' };
  }

  async getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const row = this.#get<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`,
      messageId,
      conversationId,
    );
    return row ? toMessage(row) : null;
  }

  async listMessages(conversationId: string, range: { before?: number; after?: number; limit: number }) {
    const upper = range.before ?? Number.MAX_SAFE_INTEGER;
    if (range.after !== undefined) {
      const rows = this.#all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?`,
        conversationId,
        range.after,
        upper,
        range.limit + 1,
      );
      const hasMore = rows.length > range.limit;
      return { messages: rows.slice(0, range.limit).map(toMessage), hasMore };
    }
    const rows = this.#all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
      conversationId,
      upper,
      range.limit + 1,
    );
    const hasMore = rows.length > range.limit;
    return { messages: rows.slice(0, range.limit).reverse().map(toMessage), hasMore };
  }

  async editMessage(conversationId: string, messageId: string, text: string, now: number) {
    const edit = this.db.transaction(() => {
      const row = this.#get<MessageRow>(
        `UPDATE messages SET text = ?, edited_at = ? WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        text,
        now,
        messageId,
        conversationId,
      );
      if (row) return { message: toMessage(row), eventSeq: this.#recordEvent(conversationId, 'message.updated', messageId, null, now) };
      const current = this.#messageRow(conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
    return edit.immediate();
  }

  async deleteMessage(conversationId: string, messageId: string, now: number) {
    const remove = this.db.transaction(() => {
      const row = this.#get<MessageRow>(
        `UPDATE messages SET text = '', metadata = '{}', attachment = NULL, content = NULL, reactions = '[]', deleted_at = ?
         WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL RETURNING ${MESSAGE_COLUMNS}`,
        now,
        messageId,
        conversationId,
      );
      if (row) return { message: toMessage(row), eventSeq: this.#recordEvent(conversationId, 'message.deleted', messageId, null, now) };
      const current = this.#messageRow(conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
    return remove.immediate();
  }

  async reactMessage(
    conversationId: string,
    messageId: string,
    userId: string,
    plan: (current: StoredReactions) => ReactionPlan,
    now: number,
  ) {
    const react = this.db.transaction(() => {
      const current = this.#messageRow(conversationId, messageId);
      if (!current) return null;
      const planned = current.deleted_at === null ? plan(JSON.parse(current.reactions) as StoredReactions) : null;
      if (!planned) return { ok: true as const, message: toMessage(current), eventSeq: null };
      if (!planned.ok) return planned;
      const row = this.#get<MessageRow>(
        `UPDATE messages SET reactions = ? WHERE id = ? RETURNING ${MESSAGE_COLUMNS}`,
        JSON.stringify(planned.reactions),
        messageId,
      ) as MessageRow;
      return {
        ok: true as const,
        message: toMessage(row),
        eventSeq: this.#recordEvent(conversationId, 'reaction.updated', messageId, userId, now),
      };
    });
    return react.immediate();
  }

  #messageRow(conversationId: string, messageId: string): MessageRow | undefined {
    return this.#get<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ? AND conversation_id = ?`, messageId, conversationId);
  }

  async getMessages(conversationId: string, messageIds: readonly string[]): Promise<Message[]> {
    if (messageIds.length === 0) return [];
    return this.#all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
      conversationId,
      JSON.stringify(messageIds),
    ).map(toMessage);
  }

  // -- receipts and resume ---------------------------------------------------------------

  // -- uploads -------------------------------------------------------------------------------

  async createUpload(record: UploadRecord): Promise<void> {
    const row = uploadRow(record);
    this.#run(
      `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.owner_id,
      row.conversation_id,
      row.name,
      row.type,
      row.size,
      row.sha256,
      row.width,
      row.height,
      row.complete ? 1 : 0,
      row.message_id,
      row.created_at,
      row.expires_at,
    );
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const row = this.#get<UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = ?`, id);
    return row ? toUploadRecord(row) : null;
  }

  async completeUpload(id: string, sha256: string, expiresAt: number): Promise<UploadRecord | null> {
    const row = this.#get<UploadRow>(
      `UPDATE uploads SET complete = 1, sha256 = ?, expires_at = ? WHERE id = ? RETURNING ${UPLOAD_COLUMNS}`,
      sha256,
      expiresAt,
      id,
    );
    return row ? toUploadRecord(row) : null;
  }

  async attachUpload(id: string, messageId: string): Promise<UploadRecord | null> {
    const row = this.#get<UploadRow>(
      `UPDATE uploads SET message_id = ?, expires_at = NULL
       WHERE id = ? AND complete = 1 AND (message_id IS NULL OR message_id = ?) RETURNING ${UPLOAD_COLUMNS}`,
      messageId,
      id,
      messageId,
    );
    return row ? toUploadRecord(row) : null;
  }

  async countOpenUploads(ownerId: string): Promise<number> {
    return this.#get<{ n: number }>('SELECT count(*) AS n FROM uploads WHERE owner_id = ? AND complete = 0', ownerId)?.n ?? 0;
  }

  async expiredUploads(now: number, limit: number): Promise<string[]> {
    return this.#all<{ id: string }>(
      'SELECT id FROM uploads WHERE message_id IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?',
      now,
      limit,
    ).map((row) => row.id);
  }

  async deleteUpload(id: string): Promise<void> {
    this.#run('DELETE FROM uploads WHERE id = ?', id);
  }

  async applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]> {
    const apply = this.db.transaction(() => batch.map((input) => this.#applyReceipt(input)));
    return apply.immediate();
  }

  #applyReceipt(input: ReceiptInput): ReceiptOutcome {
    const row = this.#get<{ delivered_seq: number; read_seq: number; last_seq: number }>(
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
    this.#run(
      'UPDATE members SET delivered_seq = ?, read_seq = ? WHERE conversation_id = ? AND user_id = ?',
      deliveredSeq,
      readSeq,
      input.conversationId,
      input.userId,
    );
    const eventSeq = this.#recordEvent(input.conversationId, 'receipt', null, input.userId, input.now);
    return { ok: true, deliveredSeq, readSeq, eventSeq };
  }

  // -- contacts and deliveries -----------------------------------------------------------

  async ensureContact(input: ContactInput): Promise<ContactOutcome> {
    const ensure = this.db.transaction((): ContactOutcome => {
      const { channel, externalId, now } = input;
      const found = this.#get<{ contact_id: string }>(
        'SELECT contact_id FROM channel_identities WHERE channel_id = ? AND external_id = ?',
        channel.id,
        externalId,
      );
      let created = false;
      let contactId = found?.contact_id;
      if (contactId) {
        this.#run(
          `UPDATE channel_identities SET display_name = COALESCE(?, display_name), username = COALESCE(?, username),
             last_inbound_at = COALESCE(?, last_inbound_at) WHERE channel_id = ? AND external_id = ?`,
          input.displayName,
          input.username,
          input.inboundAt,
          channel.id,
          externalId,
        );
      } else {
        created = true;
        contactId = input.newContactId;
        const { id: conversationId, memberIds, metadata } = input.conversation;
        this.#run(
          'INSERT INTO users (id, display_name, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          contactId,
          input.displayName ?? externalId,
          JSON.stringify({ contact: true }),
          now,
          now,
        );
        this.#run(
          `INSERT INTO conversations (id, type, title, metadata, created_at, last_activity_at) VALUES (?, 'group', ?, ?, ?, ?)`,
          conversationId,
          input.displayName ?? externalId,
          JSON.stringify(metadata),
          now,
          now,
        );
        const members = [...new Set([...memberIds, contactId])];
        for (const [index, userId] of members.entries()) {
          this.#run(
            'INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)',
            conversationId,
            userId,
            index === 0 ? 'owner' : 'member',
            now,
          );
        }
        this.#run('INSERT INTO contacts (id, conversation_id, created_at) VALUES (?, ?, ?)', contactId, conversationId, now);
        this.#run(
          `INSERT INTO channel_identities (channel_id, external_id, channel, contact_id, display_name, username, last_inbound_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          channel.id,
          externalId,
          channel.type,
          contactId,
          input.displayName,
          input.username,
          input.inboundAt,
          now,
        );
      }
      const contact = this.#contacts('WHERE c.id = ?', contactId)[0] as Contact;
      const conversation = this.#get<ConversationRow>(
        `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`,
        contact.conversationId,
      ) as ConversationRow;
      return { contact, conversation: toConversation(conversation), created };
    });
    return ensure.immediate();
  }

  #contacts(where: string, ...params: unknown[]): Contact[] {
    const rows = this.#all<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts c JOIN users u ON u.id = c.id ${where}`, ...params);
    if (rows.length === 0) return [];
    const identities = this.#all<IdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM channel_identities WHERE contact_id IN (${rows.map(() => '?').join(',')}) ORDER BY created_at, channel_id`,
      ...rows.map((row) => row.id),
    );
    return toContacts(rows, identities);
  }

  async getContact(id: string): Promise<Contact | null> {
    return this.#contacts('WHERE c.id = ?', id)[0] ?? null;
  }

  async findContact(channelId: string, externalId: string): Promise<Contact | null> {
    const found = this.#get<{ contact_id: string }>(
      'SELECT contact_id FROM channel_identities WHERE channel_id = ? AND external_id = ?',
      channelId,
      externalId,
    );
    return found ? this.getContact(found.contact_id) : null;
  }

  async listContacts(page: { limit: number; after: string | null }): Promise<Contact[]> {
    if (page.after === null) return this.#contacts('ORDER BY c.created_at DESC, c.id DESC LIMIT ?', page.limit);
    return this.#contacts(
      `WHERE (c.created_at, c.id) < (SELECT created_at, id FROM contacts WHERE id = ?) ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
      page.after,
      page.limit,
    );
  }

  async setContactConversation(contactId: string, conversationId: string): Promise<boolean> {
    const result = this.#run(
      `UPDATE contacts SET conversation_id = ? WHERE id = ?
         AND EXISTS (SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?)`,
      conversationId,
      contactId,
      conversationId,
      contactId,
    );
    return result.changes > 0;
  }

  async setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean> {
    const result = this.#run(
      `UPDATE contacts SET preferred_channel_id = ? WHERE id = ?
         AND (? IS NULL OR EXISTS (SELECT 1 FROM channel_identities WHERE contact_id = ? AND channel_id = ?))`,
      channelId,
      contactId,
      channelId,
      contactId,
      channelId,
    );
    return result.changes > 0;
  }

  async moveIdentity(channelId: string, from: string, to: string): Promise<boolean> {
    const result = this.#run(
      `UPDATE channel_identities SET external_id = ? WHERE channel_id = ? AND external_id = ?
         AND NOT EXISTS (SELECT 1 FROM channel_identities WHERE channel_id = ? AND external_id = ?)`,
      to,
      channelId,
      from,
      channelId,
      to,
    );
    return result.changes > 0;
  }

  #delivery(key: DeliveryKey): DeliveryRow | undefined {
    return 'id' in key
      ? this.#get<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = ?`, key.id)
      : (this.#get<DeliveryRow>(
          `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE channel_id = ? AND external_id = ?`,
          key.channelId,
          key.externalId,
        ) ??
          this.#get<DeliveryRow>(
            `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = (SELECT delivery_id FROM delivery_parts WHERE channel_id = ? AND external_id = ?)`,
            key.channelId,
            key.externalId,
          ));
  }

  async getDelivery(key: DeliveryKey): Promise<DeliveryRecord | null> {
    const row = this.#delivery(key);
    return row ? toDeliveryRecord(row) : null;
  }

  async keepEarlyStatus(status: EarlyStatus & { channelId: string; externalId: string }, forgetBefore: number): Promise<void> {
    this.#run('DELETE FROM early_statuses WHERE at < ?', forgetBefore);
    this.#run(
      'INSERT INTO early_statuses (channel_id, external_id, status, at, error) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      status.channelId,
      status.externalId,
      status.status,
      status.at,
      status.error === null ? null : JSON.stringify(status.error),
    );
  }

  async takeEarlyStatuses(channelId: string, externalId: string): Promise<EarlyStatus[]> {
    const rows = this.#all<{ status: EarlyStatus['status']; at: number; error: string | null }>(
      'DELETE FROM early_statuses WHERE channel_id = ? AND external_id = ? RETURNING status, at, error',
      channelId,
      externalId,
    );
    return rows.map(toEarlyStatus).sort((a, b) => a.at - b.at);
  }

  async listDeliveriesTo(channelId: string, recipientId: string, before: number, status: 'delivered' | 'read', limit: number) {
    return this.#all<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE channel_id = ? AND recipient_id = ?
         AND (status = 'sent' OR (? = 'read' AND status = 'delivered')) AND created_at <= ? ORDER BY created_at LIMIT ?`,
      channelId,
      recipientId,
      status,
      before,
      limit,
    ).map(toDeliveryRecord);
  }

  async listDeliveries(messageId: string): Promise<DeliveryRecord[]> {
    return this.#all<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE message_id = ? ORDER BY contact_id`, messageId).map(
      toDeliveryRecord,
    );
  }

  async updateDelivery(key: DeliveryKey, decide: (current: DeliveryRecord) => DeliveryPatch | null, now: number) {
    const update = this.db.transaction(() => {
      const row = this.#delivery(key);
      if (!row) return null;
      const patch = decide(toDeliveryRecord(row));
      if (!patch) return null;
      const { row: next, visible } = patchDelivery(toDeliveryRecord(row), patch, now);
      this.#run(
        `UPDATE deliveries SET channel_id = @channel_id, channel = @channel, recipient_id = @recipient_id, status = @status,
           external_id = @external_id, error = @error, attempts = @attempts, next_attempt_at = @next_attempt_at, dead = @dead,
           history = @history, parts = @parts, part_statuses = @part_statuses, updated_at = @updated_at WHERE id = @id`,
        { ...next, dead: next.dead ? 1 : 0 },
      );
      // Each part's id finds its delivery, for the statuses the platform reports per part.
      const parts = JSON.parse(next.parts) as string[];
      if (next.channel_id !== null && parts.length > 1)
        this.#run(
          `INSERT INTO delivery_parts (channel_id, external_id, delivery_id) SELECT ?, value, ? FROM json_each(?) WHERE true
           ON CONFLICT DO NOTHING`,
          next.channel_id,
          next.id,
          next.parts,
        );
      const eventSeq = visible ? this.#recordEvent(next.conversation_id, 'delivery.updated', next.message_id, next.contact_id, now) : null;
      return { delivery: toDeliveryRecord(next), eventSeq };
    });
    return update.immediate();
  }

  async claimDueDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    return this.#all<DeliveryRow>(
      `UPDATE deliveries SET next_attempt_at = ? WHERE id IN (
         SELECT d.id FROM deliveries d WHERE d.next_attempt_at <= ? AND d.status = 'pending' AND d.dead = 0
           AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.conversation_id = d.conversation_id AND e.contact_id = d.contact_id
             AND e.status = 'pending' AND e.dead = 0 AND e.seq < d.seq)
         ORDER BY d.next_attempt_at LIMIT ?)
       RETURNING ${DELIVERY_COLUMNS}`,
      now + leaseMs,
      now,
      limit,
    ).map(toDeliveryRecord);
  }

  async listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]> {
    return this.#all<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE dead = 1 AND (? IS NULL OR channel_id = ?)
         AND (? IS NULL OR (created_at, id) > (SELECT created_at, id FROM deliveries WHERE id = ?))
       ORDER BY created_at, id LIMIT ?`,
      page.channelId ?? null,
      page.channelId ?? null,
      page.after,
      page.after,
      page.limit,
    ).map(toDeliveryRecord);
  }

  async listChannelHolds(): Promise<ChannelHold[]> {
    return this.#all<ChannelHoldRow>('SELECT * FROM channel_holds ORDER BY channel_id').map(toChannelHold);
  }

  async setChannelHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean> {
    const change = this.db.transaction(() => {
      if (hold)
        return (
          this.#run(
            'INSERT INTO channel_holds (channel_id, code, platform_code, message, since) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
            channelId,
            hold.code,
            hold.platformCode,
            hold.message,
            hold.since,
          ).changes > 0
        );
      if (this.#run('DELETE FROM channel_holds WHERE channel_id = ?', channelId).changes === 0) return false;
      this.#run(
        `UPDATE deliveries SET next_attempt_at = ? WHERE channel_id = ? AND status = 'pending' AND dead = 0 AND next_attempt_at IS NOT NULL
           AND json_extract(history, '$[#-1].status') = 'held'`,
        now,
        channelId,
      );
      return true;
    });
    return change.immediate();
  }

  async countDeadLetters(): Promise<number> {
    return (this.#get<{ n: number }>('SELECT count(*) AS n FROM deliveries WHERE dead = 1') as { n: number }).n;
  }

  // -- app webhooks -------------------------------------------------------------------

  async createWebhook(record: WebhookRecord): Promise<void> {
    this.#run(
      `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.id,
      record.url,
      JSON.stringify(record.events),
      record.secret,
      record.description,
      record.enabled ? 1 : 0,
      record.failures,
      record.disabledReason,
      record.createdAt,
      record.updatedAt,
    );
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const row = this.#get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
    return row ? toWebhookRecord(row) : null;
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    return this.#all<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`).map(toWebhookRecord);
  }

  async updateWebhook(
    id: string,
    patch: Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>,
    now: number,
  ): Promise<WebhookRecord | null> {
    // Read and write in one transaction, with nothing awaited between: a failure counted meanwhile is not lost.
    const update = this.db.transaction((): WebhookRecord | null => {
      const row = this.#get<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`, id);
      if (!row) return null;
      const next = { ...toWebhookRecord(row), ...patch, updatedAt: now };
      this.#run(
        'UPDATE webhooks SET url = ?, events = ?, description = ?, enabled = ?, failures = ?, disabled_reason = ?, updated_at = ? WHERE id = ?',
        next.url,
        JSON.stringify(next.events),
        next.description,
        next.enabled ? 1 : 0,
        next.failures,
        next.disabledReason,
        now,
        id,
      );
      return next;
    });
    return update.immediate();
  }

  async countWebhookFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number) {
    const row = this.#get<WebhookRow>(
      `UPDATE webhooks SET failures = CASE WHEN @failed THEN failures + 1 ELSE 0 END,
         enabled = CASE WHEN @failed AND failures + 1 >= @disableAfter THEN 0 ELSE enabled END,
         disabled_reason = CASE WHEN @failed AND failures + 1 >= @disableAfter THEN @reason ELSE disabled_reason END,
         updated_at = @now
       WHERE id = @id RETURNING ${WEBHOOK_COLUMNS}`,
      { id, failed: failed ? 1 : 0, disableAfter, reason, now },
    );
    return row ? toWebhookRecord(row) : null;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return this.#run('DELETE FROM webhooks WHERE id = ?', id).changes > 0;
  }

  async enqueueWebhookCalls(calls: readonly WebhookCall[]): Promise<void> {
    const insert = this.db.transaction(() => {
      for (const row of calls.map(webhookCallRow)) {
        this.#run(
          `INSERT INTO webhook_calls (${WEBHOOK_CALL_COLUMNS}) VALUES (@webhook_id, @event_id, @type, @payload, @attempts, @next_attempt_at, @created_at)
           ON CONFLICT DO NOTHING`,
          row,
        );
      }
    });
    insert.immediate();
  }

  async claimWebhookCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]> {
    return this.#all<WebhookCallRow>(
      `UPDATE webhook_calls SET next_attempt_at = ? WHERE (webhook_id, event_id) IN (
         SELECT webhook_id, event_id FROM webhook_calls WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
       RETURNING ${WEBHOOK_CALL_COLUMNS}`,
      now + leaseMs,
      now,
      limit,
    ).map(toWebhookCall);
  }

  async finishWebhookCall(webhookId: string, eventId: string, now: number): Promise<void> {
    this.#run('UPDATE webhook_calls SET done_at = ? WHERE webhook_id = ? AND event_id = ?', now, webhookId, eventId);
  }

  async purgeWebhookCalls(before: number): Promise<void> {
    this.#run('DELETE FROM webhook_calls WHERE done_at < ?', before);
  }

  async retryWebhookCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void> {
    this.#run(
      'UPDATE webhook_calls SET attempts = ?, next_attempt_at = ? WHERE webhook_id = ? AND event_id = ?',
      attempts,
      nextAttemptAt,
      webhookId,
      eventId,
    );
  }

  async listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.#all<{ event_seq: number; type: StoredEventType; message_id: string | null; user_id: string | null }>(
      'SELECT event_seq, type, message_id, user_id FROM events WHERE conversation_id = ? AND event_seq > ? ORDER BY event_seq LIMIT ?',
      conversationId,
      afterEventSeq,
      limit,
    ).map((row) => ({ eventSeq: row.event_seq, type: row.type, messageId: row.message_id, userId: row.user_id }));
  }

  async sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows = this.#all<{ user_id: string }>(
      `SELECT DISTINCT o.user_id FROM members me JOIN members o ON o.conversation_id = me.conversation_id
       WHERE me.user_id = ? AND o.user_id IN (SELECT value FROM json_each(?))`,
      userId,
      JSON.stringify(otherIds),
    );
    return new Set(rows.map((row) => row.user_id));
  }

  async syncState(userId: string): Promise<SyncEntry[]> {
    return this.#all<{ id: string; last_seq: number; last_event_seq: number }>(
      'SELECT c.id, c.last_seq, c.last_event_seq FROM members m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = ?',
      userId,
    ).map((row) => ({ conversationId: row.id, lastSeq: row.last_seq, lastEventSeq: row.last_event_seq }));
  }
}
