import { randomUUID } from 'node:crypto';
import type { Contact, Conversation, ConversationSummary, Member, MemberRole, Message, Metadata, User } from '@chat4all/protocol';
import postgres from 'postgres';
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
import { POSTGRES_MIGRATIONS } from './migrations.js';

type Sql = postgres.Sql;
type Tx = postgres.TransactionSql;
/** What both a pool and a transaction can run. */
type Query = Sql | Tx;

export interface PostgresStoreOptions {
  /** Connection URL (`postgres://user:pass@host:5432/db`). Ignored when `sql` is given. */
  url?: string;
  /**
   * A `postgres` client to use instead of opening `url`. The store does not end it on
   * `close()`. Give it `connection: { plan_cache_mode: 'force_custom_plan' }`, as the store's
   * own client has (see docs/scaling.md).
   */
  sql?: Sql;
  /** Pool size when the store opens its own client. @default 10 */
  max?: number;
  /**
   * Schema holding the tables; created by `migrate()` when missing. With your own `sql`,
   * set its `search_path` to the same schema. @default the connection's search_path ('public')
   */
  schema?: string;
}

const MESSAGE_COLUMNS =
  'id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reactions, reply_to, created_at, edited_at, deleted_at';
const CONVERSATION_COLUMNS = 'id, type, title, avatar_url, metadata, created_at, last_activity_at, last_seq, last_event_seq';
const MEMBER_COLUMNS = 'user_id, role, joined_at, delivered_seq, read_seq';
/** Any constant: it only has to be the same for every relay migrating the same database. */
const MIGRATION_LOCK = 0x63346131;
/** An append batch that raced another node for a client id is retried this many times. */
const APPEND_ATTEMPTS = 5;

/** Thrown inside an append transaction to roll it back and run the batch again. */
class AppendRace extends Error {}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The scale-out store. Any number of relay nodes share it. Appends arrive in batches (the
 * relay's group commit) and each batch is one transaction: conversation rows locked in id
 * order (no deadlock between nodes), seqs assigned from the locked counters, one
 * multi-row insert, one counter update per conversation.
 */
export class PostgresStore implements Store {
  readonly capabilities: StoreCapabilities = {};
  readonly sql: Sql;
  readonly #owned: boolean;
  readonly #schema: string | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
      throw new TypeError(`schema must match ${SCHEMA_NAME}: ${options.schema}`);
    this.#schema = options.schema;
    if (options.sql) {
      this.sql = options.sql;
      this.#owned = false;
    } else {
      if (!options.url) throw new TypeError('PostgresStore needs `url` or `sql`');
      this.sql = postgres(options.url, {
        max: options.max ?? 10,
        onnotice: () => {},
        // int8 (times in ms) as numbers: epoch milliseconds stay exact far past year 200000.
        types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
        connection: {
          // Named so operators (and pg_stat_activity) can tell the relay's connections apart.
          application_name: options.schema ? `chat4all-relay:${options.schema}` : 'chat4all-relay',
          // Each batch is planned for the rows it looks up. A generic plan made while a table is
          // still small (a new deployment) seq-scans it for every id of a batch until the next
          // ANALYZE: appends then slow down with the table's size.
          plan_cache_mode: 'force_custom_plan',
          ...(options.schema ? { search_path: options.schema } : {}),
        },
      });
      this.#owned = true;
    }
  }

  async migrate(): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      if (this.#schema) {
        await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
        await tx.unsafe(`SET LOCAL search_path TO ${this.#schema}`);
      }
      await tx`CREATE TABLE IF NOT EXISTS chat4all_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
      const [row] = await tx<{ version: number }[]>`SELECT COALESCE(MAX(version), 0)::int AS version FROM chat4all_migrations`;
      const current = row?.version ?? 0;
      for (const [index, migration] of POSTGRES_MIGRATIONS.entries()) {
        if (index < current) continue;
        await tx.unsafe(migration);
        await tx`INSERT INTO chat4all_migrations (version) VALUES (${index + 1})`;
      }
    });
  }

  async ping(): Promise<void> {
    await this.sql`SELECT 1`;
  }

  async close(): Promise<void> {
    if (this.#owned) await this.sql.end({ timeout: 5 });
  }

  // -- users ---------------------------------------------------------------------------

  async upsertUser(input: UserInput, now: number): Promise<User> {
    const [row] = await this.sql<UserRow[]>`
      INSERT INTO users (id, display_name, avatar_url, metadata, private_metadata, created_at, updated_at)
      VALUES (${input.id}, ${input.displayName ?? null}, ${input.avatarUrl ?? null}, ${JSON.stringify(input.metadata ?? {})},
        ${JSON.stringify(input.privateMetadata ?? {})}, ${now}, ${now})
      ON CONFLICT (id) DO UPDATE SET
        display_name = CASE WHEN ${input.displayName !== undefined} THEN excluded.display_name ELSE users.display_name END,
        avatar_url = CASE WHEN ${input.avatarUrl !== undefined} THEN excluded.avatar_url ELSE users.avatar_url END,
        metadata = CASE WHEN ${input.metadata !== undefined} THEN excluded.metadata ELSE users.metadata END,
        private_metadata = CASE WHEN ${input.privateMetadata !== undefined} THEN excluded.private_metadata ELSE users.private_metadata END,
        updated_at = excluded.updated_at
      RETURNING *`;
    return toUser(row as UserRow);
  }

  async getUserPrivateMetadata(id: string): Promise<Metadata | null> {
    const [row] = await this.sql<{ private_metadata: string }[]>`SELECT private_metadata FROM users WHERE id = ${id}`;
    return row ? (JSON.parse(row.private_metadata) as Metadata) : null;
  }

  async ensureUser(id: string, displayName: string | null, now: number): Promise<boolean> {
    const result = await this.sql`
      INSERT INTO users (id, display_name, created_at, updated_at) VALUES (${id}, ${displayName}, ${now}, ${now})
      ON CONFLICT (id) DO NOTHING`;
    return result.count > 0;
  }

  async getUser(id: string): Promise<User | null> {
    const [row] = await this.sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row ? toUser(row) : null;
  }

  async existingUserIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.sql<{ id: string }[]>`SELECT id FROM users WHERE id = ANY(${[...ids]}::text[])`;
    return new Set(rows.map((row) => row.id));
  }

  async createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false> {
    return this.sql
      .begin(async (tx) => {
        const [row] = await tx<UserRow[]>`
        INSERT INTO users (id, display_name, created_at, updated_at) VALUES (${input.userId}, ${input.displayName}, ${now}, ${now})
        RETURNING *`;
        const inserted = await tx`
        INSERT INTO accounts (username, user_id, password_hash, created_at)
        VALUES (${input.username}, ${input.userId}, ${input.passwordHash}, ${now})
        ON CONFLICT DO NOTHING`;
        // Taken (by any case of it): throwing rolls the user back too.
        if (inserted.count === 0) throw new UsernameTaken();
        return toUser(row as UserRow);
      })
      .catch((error: unknown) => {
        if (error instanceof UsernameTaken) return false;
        throw error;
      });
  }

  async getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null> {
    const [row] = await this.sql<{ user_id: string; password_hash: string }[]>`
      SELECT user_id, password_hash FROM accounts WHERE lower(username) = lower(${username})`;
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : null;
  }

  // -- refresh tokens ------------------------------------------------------------------

  async insertRefreshToken(record: RefreshTokenRecord): Promise<void> {
    await this.sql`
      INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
      VALUES (${record.tokenHash}, ${record.familyId}, ${record.userId}, ${record.expiresAt})`;
  }

  async rotateRefreshToken(
    tokenHash: string,
    next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>,
    now: number,
  ): Promise<RefreshRotation> {
    return this.sql.begin(async (tx): Promise<RefreshRotation> => {
      const [row] = await tx<
        { family_id: string; user_id: string; expires_at: number; used_at: number | null; revoked_at: number | null }[]
      >`SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ${tokenHash} FOR UPDATE`;
      if (!row) return { ok: false, reason: 'invalid' };
      if (row.used_at !== null) {
        await tx`UPDATE refresh_tokens SET revoked_at = ${now} WHERE family_id = ${row.family_id} AND revoked_at IS NULL`;
        return { ok: false, reason: 'reused', userId: row.user_id, familyId: row.family_id };
      }
      if (row.revoked_at !== null || Number(row.expires_at) <= now) return { ok: false, reason: 'invalid' };
      await tx`UPDATE refresh_tokens SET used_at = ${now} WHERE token_hash = ${tokenHash}`;
      await tx`
        INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
        VALUES (${next.tokenHash}, ${row.family_id}, ${row.user_id}, ${next.expiresAt})`;
      return { ok: true, userId: row.user_id, familyId: row.family_id };
    });
  }

  async revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null> {
    const [row] = await this.sql<{ family_id: string; user_id: string }[]>`
      SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ${tokenHash}`;
    if (!row) return null;
    await this.sql`
      UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
      WHERE family_id = ${row.family_id}`;
    return { userId: row.user_id, familyId: row.family_id };
  }

  async refreshFamilyRevoked(familyId: string): Promise<boolean> {
    const rows = await this.sql`
      SELECT 1 FROM refresh_tokens WHERE family_id = ${familyId} AND revoked_at IS NOT NULL LIMIT 1`;
    return rows.length > 0;
  }

  // -- conversations ---------------------------------------------------------------------

  async createPrivateConversation(input: { id: string; userIds: [string, string]; now: number }) {
    const key = [...input.userIds].sort().join('\u0001');
    return this.sql.begin(async (tx) => {
      const [row] = await tx<ConversationRow[]>`
        INSERT INTO conversations (id, type, private_key, created_at, last_activity_at)
        VALUES (${input.id}, 'private', ${key}, ${input.now}, ${input.now})
        ON CONFLICT (private_key) DO NOTHING
        RETURNING ${tx.unsafe(CONVERSATION_COLUMNS)}`;
      if (!row) {
        const [existing] = await tx<ConversationRow[]>`
          SELECT ${tx.unsafe(CONVERSATION_COLUMNS)} FROM conversations WHERE private_key = ${key}`;
        return { conversation: toConversation(existing as ConversationRow), created: false };
      }
      const members = [...new Set(input.userIds)].map((userId) => ({
        conversation_id: input.id,
        user_id: userId,
        role: 'member',
        joined_at: input.now,
      }));
      await tx`INSERT INTO members ${tx(members)}`;
      return { conversation: toConversation(row), created: true };
    });
  }

  async createGroupConversation(input: GroupInput) {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<ConversationRow[]>`
        INSERT INTO conversations (id, type, title, avatar_url, metadata, created_at, last_activity_at)
        VALUES (${input.id}, 'group', ${input.title}, ${input.avatarUrl}, ${JSON.stringify(input.metadata)}, ${input.now}, ${input.now})
        RETURNING ${tx.unsafe(CONVERSATION_COLUMNS)}`;
      const members = [
        { conversation_id: input.id, user_id: input.ownerId, role: 'owner', joined_at: input.now },
        ...[...new Set(input.memberIds)]
          .filter((userId) => userId !== input.ownerId)
          .map((userId) => ({ conversation_id: input.id, user_id: userId, role: 'member', joined_at: input.now })),
      ];
      await tx`INSERT INTO members ${tx(members)}`;
      return toConversation(row as ConversationRow);
    });
  }

  async getConversation(id: string) {
    const [row] = await this.sql<ConversationRow[]>`SELECT ${this.sql.unsafe(CONVERSATION_COLUMNS)} FROM conversations WHERE id = ${id}`;
    return row ? toConversation(row) : null;
  }

  async updateConversation(id: string, patch: ConversationPatch, now: number) {
    return this.sql.begin(async (tx) => {
      const eventSeq = await recordEvent(tx, id, 'conversation.updated', null, null, now);
      if (eventSeq === null) return null;
      const [row] = await tx<ConversationRow[]>`
        UPDATE conversations SET
          title = CASE WHEN ${patch.title !== undefined} THEN ${patch.title ?? null} ELSE title END,
          avatar_url = CASE WHEN ${patch.avatarUrl !== undefined} THEN ${patch.avatarUrl ?? null} ELSE avatar_url END,
          metadata = CASE WHEN ${patch.metadata !== undefined} THEN ${JSON.stringify(patch.metadata ?? {})} ELSE metadata END
        WHERE id = ${id} RETURNING ${tx.unsafe(CONVERSATION_COLUMNS)}`;
      return row ? toConversation(row) : null;
    });
  }

  async getMember(conversationId: string, userId: string) {
    const [row] = await this.sql<MemberRow[]>`
      SELECT ${this.sql.unsafe(MEMBER_COLUMNS)} FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
    return row ? toMember(row) : null;
  }

  async listMembers(conversationId: string) {
    const rows = await this.sql<MemberRow[]>`
      SELECT ${this.sql.unsafe(MEMBER_COLUMNS)} FROM members WHERE conversation_id = ${conversationId}
      ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`;
    return rows.map(toMember);
  }

  async addMembers(conversationId: string, userIds: readonly string[], role: MemberRole, now: number) {
    return this.sql.begin(async (tx) => {
      const added: Array<{ member: Member; eventSeq: number }> = [];
      for (const userId of new Set(userIds)) {
        const [row] = await tx<MemberRow[]>`
          INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (${conversationId}, ${userId}, ${role}, ${now})
          ON CONFLICT DO NOTHING RETURNING ${tx.unsafe(MEMBER_COLUMNS)}`;
        if (!row) continue;
        const eventSeq = (await recordEvent(tx, conversationId, 'member.added', null, userId, now)) as number;
        added.push({ member: toMember(row), eventSeq });
      }
      return added;
    });
  }

  async removeMember(conversationId: string, userId: string, now: number) {
    return this.sql.begin(async (tx) => {
      const removed = await tx`DELETE FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
      return removed.count > 0 ? recordEvent(tx, conversationId, 'member.removed', null, userId, now) : null;
    });
  }

  async setMemberRole(conversationId: string, userId: string, role: MemberRole, now: number) {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<MemberRow[]>`
        UPDATE members SET role = ${role} WHERE conversation_id = ${conversationId} AND user_id = ${userId}
        RETURNING ${tx.unsafe(MEMBER_COLUMNS)}`;
      if (!row) return null;
      const eventSeq = (await recordEvent(tx, conversationId, 'member.updated', null, userId, now)) as number;
      return { member: toMember(row), eventSeq };
    });
  }

  async listConversations(userId: string, page: { limit: number; after: ConversationCursor | null }) {
    const afterAt = page.after?.lastActivityAt ?? null;
    const afterId = page.after?.id ?? '';
    const rows = await this.sql<
      Array<ConversationRow & { role: MemberRole; member_count: number; unread: number; last_message: MessageRow | null }>
    >`
      SELECT c.id, c.type, c.title, c.avatar_url, c.metadata, c.created_at, c.last_activity_at, c.last_seq, c.last_event_seq,
             m.role,
             (SELECT COUNT(*)::int FROM members WHERE conversation_id = c.id) AS member_count,
             (SELECT COUNT(*)::int FROM messages
               WHERE conversation_id = c.id AND seq > m.read_seq AND (sender_id IS NULL OR sender_id <> ${userId}) AND deleted_at IS NULL) AS unread,
             (SELECT row_to_json(x) FROM (SELECT ${this.sql.unsafe(MESSAGE_COLUMNS)} FROM messages
               WHERE conversation_id = c.id AND seq = c.last_seq) x) AS last_message
      FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId}
        AND (${afterAt}::bigint IS NULL OR c.last_activity_at < ${afterAt}::bigint
             OR (c.last_activity_at = ${afterAt}::bigint AND c.id < ${afterId}))
      ORDER BY c.last_activity_at DESC, c.id DESC
      LIMIT ${page.limit}`;
    return rows.map(
      (row): ConversationSummary => ({
        ...toConversation(row),
        role: row.role,
        memberCount: row.member_count,
        lastMessage: row.last_message ? toMessage(row.last_message) : null,
        unreadCount: row.unread,
      }),
    );
  }

  // -- messages ------------------------------------------------------------------------

  async appendMessages(batch: readonly AppendInput[]): Promise<AppendOutcome[]> {
    if (batch.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sql.begin((tx) => appendBatch(tx, batch, attempt > 1));
      } catch (error) {
        // One of these ids was already stored (a client's retry), or another node stored it
        // meanwhile: run the batch again, now reading the stored rows first (so no seq is skipped).
        if (!(error instanceof AppendRace) || attempt >= APPEND_ATTEMPTS) throw error;
      }
    }
  }

  async getMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const row = await messageRow(this.sql, conversationId, messageId);
    return row ? toMessage(row) : null;
  }

  async listMessages(conversationId: string, range: { before?: number; after?: number; limit: number }) {
    const upper = range.before ?? 2_147_483_647;
    const columns = this.sql.unsafe(MESSAGE_COLUMNS);
    if (range.after !== undefined) {
      const rows = await this.sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE conversation_id = ${conversationId} AND seq > ${range.after} AND seq < ${upper}
        ORDER BY seq ASC LIMIT ${range.limit + 1}`;
      return { messages: rows.slice(0, range.limit).map(toMessage), hasMore: rows.length > range.limit };
    }
    const rows = await this.sql<MessageRow[]>`
      SELECT ${columns} FROM messages WHERE conversation_id = ${conversationId} AND seq < ${upper}
      ORDER BY seq DESC LIMIT ${range.limit + 1}`;
    return { messages: rows.slice(0, range.limit).reverse().map(toMessage), hasMore: rows.length > range.limit };
  }

  async editMessage(conversationId: string, messageId: string, text: string, now: number) {
    return this.#changeLiveMessage(conversationId, messageId, 'message.updated', { text, edited_at: now }, now);
  }

  async deleteMessage(conversationId: string, messageId: string, now: number) {
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
    return this.sql.begin(async (tx) => {
      const [row] = await tx<MessageRow[]>`
        UPDATE messages SET ${tx(changes)}
        WHERE id = ${messageId} AND conversation_id = ${conversationId} AND deleted_at IS NULL
        RETURNING ${tx.unsafe(MESSAGE_COLUMNS)}`;
      if (row) return { message: toMessage(row), eventSeq: await recordEvent(tx, conversationId, type, messageId, null, now) };
      const current = await messageRow(tx, conversationId, messageId);
      return current ? { message: toMessage(current), eventSeq: null } : null;
    });
  }

  async reactMessage(
    conversationId: string,
    messageId: string,
    userId: string,
    plan: (current: StoredReactions) => ReactionPlan,
    now: number,
  ) {
    return this.sql.begin(async (tx) => {
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

  async getMessages(conversationId: string, messageIds: readonly string[]): Promise<Message[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.sql<MessageRow[]>`
      SELECT ${this.sql.unsafe(MESSAGE_COLUMNS)} FROM messages
      WHERE conversation_id = ${conversationId} AND id = ANY(${[...messageIds]}::text[]) ORDER BY seq`;
    return rows.map(toMessage);
  }

  // -- receipts and resume ---------------------------------------------------------------

  // -- uploads -------------------------------------------------------------------------------

  async createUpload(record: UploadRecord): Promise<void> {
    await this.sql`INSERT INTO uploads ${this.sql(uploadRow(record))}`;
  }

  async getUpload(id: string): Promise<UploadRecord | null> {
    const [row] = await this.sql<UploadRow[]>`SELECT ${this.sql.unsafe(UPLOAD_COLUMNS)} FROM uploads WHERE id = ${id}`;
    return row ? toUploadRecord(row) : null;
  }

  async completeUpload(id: string, sha256: string, expiresAt: number): Promise<UploadRecord | null> {
    const [row] = await this.sql<UploadRow[]>`
      UPDATE uploads SET complete = true, sha256 = ${sha256}, expires_at = ${expiresAt} WHERE id = ${id}
      RETURNING ${this.sql.unsafe(UPLOAD_COLUMNS)}`;
    return row ? toUploadRecord(row) : null;
  }

  async attachUpload(id: string, messageId: string): Promise<UploadRecord | null> {
    const [row] = await this.sql<UploadRow[]>`
      UPDATE uploads SET message_id = ${messageId}, expires_at = NULL
      WHERE id = ${id} AND complete AND (message_id IS NULL OR message_id = ${messageId})
      RETURNING ${this.sql.unsafe(UPLOAD_COLUMNS)}`;
    return row ? toUploadRecord(row) : null;
  }

  async countOpenUploads(ownerId: string): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM uploads WHERE owner_id = ${ownerId} AND NOT complete`;
    return row?.n ?? 0;
  }

  async expiredUploads(now: number, limit: number): Promise<string[]> {
    const rows = await this.sql<{ id: string }[]>`
      SELECT id FROM uploads WHERE message_id IS NULL AND expires_at <= ${now} ORDER BY expires_at LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  async deleteUpload(id: string): Promise<void> {
    await this.sql`DELETE FROM uploads WHERE id = ${id}`;
  }

  async applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]> {
    if (batch.length === 0) return [];
    return this.sql.begin((tx) => receiptBatch(tx, batch));
  }

  // -- contacts and deliveries -------------------------------------------------------------

  async ensureContact(input: ContactInput): Promise<ContactOutcome> {
    const { channel, externalId, now } = input;
    const { contactId, created } = await this.sql.begin(async (tx) => {
      // Concurrent first messages of one identity (two nodes, a retried webhook) create one contact.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`${channel.id}|${externalId}`}))`;
      const [found] = await tx<{ contact_id: string }[]>`
        UPDATE channel_identities SET display_name = COALESCE(${input.displayName}, display_name),
          username = COALESCE(${input.username}, username), last_inbound_at = COALESCE(${input.inboundAt}, last_inbound_at)
        WHERE channel_id = ${channel.id} AND external_id = ${externalId} RETURNING contact_id`;
      if (found) return { contactId: found.contact_id, created: false };
      const id = input.newContactId;
      const { id: conversationId, memberIds, metadata } = input.conversation;
      const title = input.displayName ?? externalId;
      await tx`
        INSERT INTO users (id, display_name, metadata, created_at, updated_at)
        VALUES (${id}, ${title}, ${JSON.stringify({ contact: true })}, ${now}, ${now})`;
      await tx`
        INSERT INTO conversations (id, type, title, metadata, created_at, last_activity_at)
        VALUES (${conversationId}, 'group', ${title}, ${JSON.stringify(metadata)}, ${now}, ${now})`;
      const members = [...new Set([...memberIds, id])].map((userId, index) => ({
        conversation_id: conversationId,
        user_id: userId,
        role: index === 0 ? 'owner' : 'member',
        joined_at: now,
      }));
      await tx`INSERT INTO members ${tx(members)}`;
      await tx`INSERT INTO contacts (id, conversation_id, created_at) VALUES (${id}, ${conversationId}, ${now})`;
      await tx`
        INSERT INTO channel_identities (channel_id, external_id, channel, contact_id, display_name, username, last_inbound_at, created_at)
        VALUES (${channel.id}, ${externalId}, ${channel.type}, ${id}, ${input.displayName}, ${input.username}, ${input.inboundAt}, ${now})`;
      return { contactId: id, created: true };
    });
    const contact = (await this.getContact(contactId)) as Contact;
    const conversation = (await this.getConversation(contact.conversationId as string)) as Conversation;
    return { contact, conversation, created };
  }

  async #contacts(rows: ContactRow[]): Promise<Contact[]> {
    if (rows.length === 0) return [];
    const identities = await this.sql<IdentityRow[]>`
      SELECT ${this.sql.unsafe(IDENTITY_COLUMNS)} FROM channel_identities
      WHERE contact_id = ANY(${rows.map((row) => row.id)}::text[]) ORDER BY created_at, channel_id`;
    return toContacts(rows, identities);
  }

  async getContact(id: string): Promise<Contact | null> {
    const rows = await this.sql<ContactRow[]>`
      SELECT ${this.sql.unsafe(CONTACT_COLUMNS)} FROM contacts c JOIN users u ON u.id = c.id WHERE c.id = ${id}`;
    return (await this.#contacts(rows))[0] ?? null;
  }

  async findContact(channelId: string, externalId: string): Promise<Contact | null> {
    const [found] = await this.sql<{ contact_id: string }[]>`
      SELECT contact_id FROM channel_identities WHERE channel_id = ${channelId} AND external_id = ${externalId}`;
    return found ? this.getContact(found.contact_id) : null;
  }

  async listContacts(page: { limit: number; after: string | null }): Promise<Contact[]> {
    const rows = await this.sql<ContactRow[]>`
      SELECT ${this.sql.unsafe(CONTACT_COLUMNS)} FROM contacts c JOIN users u ON u.id = c.id
      WHERE ${page.after}::text IS NULL OR (c.created_at, c.id) < (SELECT created_at, id FROM contacts WHERE id = ${page.after})
      ORDER BY c.created_at DESC, c.id DESC LIMIT ${page.limit}`;
    return this.#contacts(rows);
  }

  async moveIdentity(channelId: string, from: string, to: string): Promise<boolean> {
    const result = await this.sql`
      UPDATE channel_identities SET external_id = ${to} WHERE channel_id = ${channelId} AND external_id = ${from}
        AND NOT EXISTS (SELECT 1 FROM channel_identities WHERE channel_id = ${channelId} AND external_id = ${to})`;
    return result.count > 0;
  }

  async setContactConversation(contactId: string, conversationId: string): Promise<boolean> {
    const result = await this.sql`
      UPDATE contacts SET conversation_id = ${conversationId} WHERE id = ${contactId}
        AND EXISTS (SELECT 1 FROM members WHERE conversation_id = ${conversationId} AND user_id = ${contactId})`;
    return result.count > 0;
  }

  async setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean> {
    const result = await this.sql`
      UPDATE contacts SET preferred_channel_id = ${channelId} WHERE id = ${contactId}
        AND (${channelId}::text IS NULL OR EXISTS (
          SELECT 1 FROM channel_identities WHERE contact_id = ${contactId} AND channel_id = ${channelId}))`;
    return result.count > 0;
  }

  async getDelivery(key: DeliveryKey): Promise<DeliveryRecord | null> {
    const [row] = await deliveryRows(this.sql, key, false);
    return row ? toDeliveryRecord(row) : null;
  }

  async keepEarlyStatus(status: EarlyStatus & { channelId: string; externalId: string }, forgetBefore: number): Promise<void> {
    await this.sql`DELETE FROM early_statuses WHERE at < ${forgetBefore}`;
    await this.sql`
      INSERT INTO early_statuses (channel_id, external_id, status, at, error)
      VALUES (${status.channelId}, ${status.externalId}, ${status.status}, ${status.at}, ${status.error === null ? null : JSON.stringify(status.error)})
      ON CONFLICT DO NOTHING`;
  }

  async takeEarlyStatuses(channelId: string, externalId: string): Promise<EarlyStatus[]> {
    const rows = await this.sql<{ status: EarlyStatus['status']; at: number; error: string | null }[]>`
      DELETE FROM early_statuses WHERE channel_id = ${channelId} AND external_id = ${externalId} RETURNING status, at, error`;
    return rows.map(toEarlyStatus).sort((a, b) => a.at - b.at);
  }

  async listDeliveriesTo(channelId: string, recipientId: string, before: number, status: 'delivered' | 'read', limit: number) {
    const rows = await this.sql<DeliveryRow[]>`
      SELECT ${this.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries
      WHERE channel_id = ${channelId} AND recipient_id = ${recipientId} AND created_at <= ${before}
        AND (status = 'sent' OR (${status} = 'read' AND status = 'delivered'))
      ORDER BY created_at LIMIT ${limit}`;
    return rows.map(toDeliveryRecord);
  }

  async listDeliveries(messageId: string): Promise<DeliveryRecord[]> {
    const rows = await this.sql<DeliveryRow[]>`
      SELECT ${this.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries WHERE message_id = ${messageId} ORDER BY contact_id`;
    return rows.map(toDeliveryRecord);
  }

  async updateDelivery(key: DeliveryKey, decide: (current: DeliveryRecord) => DeliveryPatch | null, now: number) {
    return this.sql.begin(async (tx) => {
      const [row] = await deliveryRows(tx, key, true);
      if (!row) return null;
      const patch = decide(toDeliveryRecord(row));
      if (!patch) return null;
      const { row: next, visible } = patchDelivery(toDeliveryRecord(row), patch, now);
      await tx`
        UPDATE deliveries SET channel_id = ${next.channel_id}, channel = ${next.channel}, recipient_id = ${next.recipient_id},
          status = ${next.status}, external_id = ${next.external_id}, error = ${next.error}, attempts = ${next.attempts},
          next_attempt_at = ${next.next_attempt_at}, dead = ${Boolean(next.dead)}, history = ${next.history}, parts = ${next.parts},
          part_statuses = ${next.part_statuses}, updated_at = ${now}
        WHERE id = ${next.id}`;
      // Each part's id finds its delivery, for the statuses the platform reports per part.
      const parts = JSON.parse(next.parts) as string[];
      if (next.channel_id !== null && parts.length > 1)
        await tx`
          INSERT INTO delivery_parts (channel_id, external_id, delivery_id)
          SELECT ${next.channel_id}, unnest(${parts}::text[]), ${next.id}
          ON CONFLICT DO NOTHING`;
      const eventSeq = visible
        ? await recordEvent(tx, next.conversation_id, 'delivery.updated', next.message_id, next.contact_id, now)
        : null;
      return { delivery: toDeliveryRecord(next), eventSeq };
    });
  }

  async claimDueDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.sql<DeliveryRow[]>`
      UPDATE deliveries SET next_attempt_at = ${now + leaseMs} WHERE id IN (
        SELECT d.id FROM deliveries d WHERE d.next_attempt_at <= ${now} AND d.status = 'pending' AND NOT d.dead
          AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.conversation_id = d.conversation_id AND e.contact_id = d.contact_id
            AND e.status = 'pending' AND NOT e.dead AND e.seq < d.seq)
        ORDER BY d.next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${this.sql.unsafe(DELIVERY_COLUMNS)}`;
    return rows.map(toDeliveryRecord);
  }

  async listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]> {
    const channelId = page.channelId ?? null;
    const rows = await this.sql<DeliveryRow[]>`
      SELECT ${this.sql.unsafe(DELIVERY_COLUMNS)} FROM deliveries
      WHERE dead AND (${channelId}::text IS NULL OR channel_id = ${channelId})
        AND (${page.after}::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM deliveries WHERE id = ${page.after}))
      ORDER BY created_at, id LIMIT ${page.limit}`;
    return rows.map(toDeliveryRecord);
  }

  async listChannelHolds(): Promise<ChannelHold[]> {
    const rows = await this.sql<ChannelHoldRow[]>`SELECT * FROM channel_holds ORDER BY channel_id`;
    return rows.map(toChannelHold);
  }

  async setChannelHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean> {
    if (hold) {
      const inserted = await this.sql`
        INSERT INTO channel_holds (channel_id, code, platform_code, message, since)
        VALUES (${channelId}, ${hold.code}, ${hold.platformCode}, ${hold.message}, ${hold.since}) ON CONFLICT DO NOTHING`;
      return inserted.count > 0;
    }
    return this.sql.begin(async (tx) => {
      const removed = await tx`DELETE FROM channel_holds WHERE channel_id = ${channelId}`;
      if (removed.count === 0) return false;
      await tx`
        UPDATE deliveries SET next_attempt_at = ${now}
        WHERE channel_id = ${channelId} AND status = 'pending' AND NOT dead AND next_attempt_at IS NOT NULL
          AND (history::jsonb -> -1 ->> 'status') = 'held'`;
      return true;
    });
  }

  async countDeadLetters(): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM deliveries WHERE dead`;
    return row?.n ?? 0;
  }

  // -- app webhooks ---------------------------------------------------------------------

  async createWebhook(record: WebhookRecord): Promise<void> {
    await this.sql`
      INSERT INTO webhooks (id, url, events, secret, description, enabled, failures, disabled_reason, created_at, updated_at)
      VALUES (${record.id}, ${record.url}, ${JSON.stringify(record.events)}, ${record.secret}, ${record.description}, ${record.enabled},
        ${record.failures}, ${record.disabledReason}, ${record.createdAt}, ${record.updatedAt})`;
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const [row] = await this.sql<WebhookRow[]>`SELECT ${this.sql.unsafe(WEBHOOK_COLUMNS)} FROM webhooks WHERE id = ${id}`;
    return row ? toWebhookRecord(row) : null;
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    const rows = await this.sql<WebhookRow[]>`SELECT ${this.sql.unsafe(WEBHOOK_COLUMNS)} FROM webhooks ORDER BY created_at, id`;
    return rows.map(toWebhookRecord);
  }

  async updateWebhook(
    id: string,
    patch: Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>,
    now: number,
  ): Promise<WebhookRecord | null> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<WebhookRow[]>`SELECT ${tx.unsafe(WEBHOOK_COLUMNS)} FROM webhooks WHERE id = ${id} FOR UPDATE`;
      if (!row) return null;
      const next = { ...toWebhookRecord(row), ...patch, updatedAt: now };
      await tx`
        UPDATE webhooks SET url = ${next.url}, events = ${JSON.stringify(next.events)}, description = ${next.description},
          enabled = ${next.enabled}, failures = ${next.failures}, disabled_reason = ${next.disabledReason}, updated_at = ${now}
        WHERE id = ${id}`;
      return next;
    });
  }

  async countWebhookFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number) {
    const [row] = await this.sql<WebhookRow[]>`
      UPDATE webhooks SET failures = CASE WHEN ${failed} THEN failures + 1 ELSE 0 END,
        enabled = CASE WHEN ${failed} AND failures + 1 >= ${disableAfter} THEN false ELSE enabled END,
        disabled_reason = CASE WHEN ${failed} AND failures + 1 >= ${disableAfter} THEN ${reason} ELSE disabled_reason END,
        updated_at = ${now}
      WHERE id = ${id} RETURNING ${this.sql.unsafe(WEBHOOK_COLUMNS)}`;
    return row ? toWebhookRecord(row) : null;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return (await this.sql`DELETE FROM webhooks WHERE id = ${id}`).count > 0;
  }

  async enqueueWebhookCalls(calls: readonly WebhookCall[]): Promise<void> {
    if (calls.length === 0) return;
    await this.sql`INSERT INTO webhook_calls ${this.sql(calls.map(webhookCallRow))} ON CONFLICT DO NOTHING`;
  }

  async claimWebhookCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]> {
    const rows = await this.sql<WebhookCallRow[]>`
      UPDATE webhook_calls SET next_attempt_at = ${now + leaseMs} WHERE (webhook_id, event_id) IN (
        SELECT webhook_id, event_id FROM webhook_calls WHERE done_at IS NULL AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING ${this.sql.unsafe(WEBHOOK_CALL_COLUMNS)}`;
    return rows.map(toWebhookCall);
  }

  async finishWebhookCall(webhookId: string, eventId: string, now: number): Promise<void> {
    await this.sql`UPDATE webhook_calls SET done_at = ${now} WHERE webhook_id = ${webhookId} AND event_id = ${eventId}`;
  }

  async purgeWebhookCalls(before: number): Promise<void> {
    await this.sql`DELETE FROM webhook_calls WHERE done_at < ${before}`;
  }

  async retryWebhookCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void> {
    await this.sql`
      UPDATE webhook_calls SET attempts = ${attempts}, next_attempt_at = ${nextAttemptAt}
      WHERE webhook_id = ${webhookId} AND event_id = ${eventId}`;
  }

  async listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.sql<{ event_seq: number; type: StoredEventType; message_id: string | null; user_id: string | null }[]>`
      SELECT event_seq, type, message_id, user_id FROM events
      WHERE conversation_id = ${conversationId} AND event_seq > ${afterEventSeq} ORDER BY event_seq LIMIT ${limit}`;
    return rows.map((row) => ({ eventSeq: row.event_seq, type: row.type, messageId: row.message_id, userId: row.user_id }));
  }

  async sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows = await this.sql<{ user_id: string }[]>`
      SELECT DISTINCT o.user_id FROM members me JOIN members o ON o.conversation_id = me.conversation_id
      WHERE me.user_id = ${userId} AND o.user_id = ANY(${[...otherIds]}::text[])`;
    return new Set(rows.map((row) => row.user_id));
  }

  async syncState(userId: string): Promise<SyncEntry[]> {
    const rows = await this.sql<{ id: string; last_seq: number; last_event_seq: number }[]>`
      SELECT c.id, c.last_seq, c.last_event_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId}`;
    return rows.map((row) => ({ conversationId: row.id, lastSeq: row.last_seq, lastEventSeq: row.last_event_seq }));
  }
}

class UsernameTaken extends Error {}

function deliveryRows(q: Query, key: DeliveryKey, lock: boolean) {
  const where =
    'id' in key
      ? q`id = ${key.id}`
      : q`(channel_id = ${key.channelId} AND external_id = ${key.externalId})
          OR id = (SELECT delivery_id FROM delivery_parts WHERE channel_id = ${key.channelId} AND external_id = ${key.externalId})`;
  return q<DeliveryRow[]>`SELECT ${q.unsafe(DELIVERY_COLUMNS)} FROM deliveries WHERE ${where} ${lock ? q`FOR UPDATE` : q``}`;
}

async function messageRow(q: Query, conversationId: string, messageId: string): Promise<MessageRow | undefined> {
  const [row] = await q<MessageRow[]>`
    SELECT ${q.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id = ${messageId} AND conversation_id = ${conversationId}`;
  return row;
}

/** Advances the conversation's event counter and logs the change; null when the conversation does not exist. */
async function recordEvent(
  tx: Tx,
  conversationId: string,
  type: StoredEventType,
  messageId: string | null,
  userId: string | null,
  now: number,
): Promise<number | null> {
  const [row] = await tx<{ event_seq: number }[]>`
    WITH bumped AS (
      UPDATE conversations SET last_event_seq = last_event_seq + 1 WHERE id = ${conversationId} RETURNING last_event_seq
    )
    INSERT INTO events (conversation_id, event_seq, type, message_id, user_id, created_at)
    SELECT ${conversationId}, last_event_seq, ${type}, ${messageId}, ${userId}, ${now} FROM bumped
    RETURNING event_seq`;
  return row ? row.event_seq : null;
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
