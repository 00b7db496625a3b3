import type { ConversationSummary, Member, MemberRole } from '@chat4all/protocol';
import {
  CONVERSATION_COLUMNS,
  type ConversationRow,
  MEMBER_COLUMNS,
  type MemberRow,
  type SettingsRow,
  toConversation,
  toMember,
  toSettings,
  toSettingsFacts,
} from '../rows/conversations.js';
import { GROUP_MENTION, IN_CONVERSATION, MESSAGE_COLUMNS, type MessageRow, toMessage } from '../rows/messages.js';
import type {
  ConversationCondition,
  ConversationListPage,
  ConversationPatch,
  ConversationsRepository,
  GroupInput,
  StoredEvent,
  StoredEventType,
  SyncEntry,
} from '../types.js';
import { type PostgresDb, recordEvent } from './db.js';

/** Conversations, members, the event log and resume positions in PostgreSQL. */
export class PostgresConversations implements ConversationsRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async createPrivate(input: { id: string; userIds: [string, string]; now: number }) {
    const key = [...input.userIds].sort().join('\u0001');
    return this.#db.transaction(async (tx) => {
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

  async createGroup(input: GroupInput) {
    return this.#db.transaction(async (tx) => {
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

  async get(id: string) {
    const [row] = await this.#db.sql<
      ConversationRow[]
    >`SELECT ${this.#db.sql.unsafe(CONVERSATION_COLUMNS)} FROM conversations WHERE id = ${id}`;
    return row ? toConversation(row) : null;
  }

  async update(id: string, patch: ConversationPatch, now: number, when: ConversationCondition = {}) {
    return this.#db.transaction(async (tx) => {
      const [holds] = await tx`
        SELECT 1 FROM conversations c WHERE c.id = ${id}
          AND (${when.status ?? null}::text IS NULL OR c.status = ${when.status ?? null}::text)
          AND (${when.assigneeId ?? null}::text IS NULL OR c.assignee_id = ${when.assigneeId ?? null}::text)
          AND (${when.memberId ?? null}::text IS NULL
               OR EXISTS (SELECT 1 FROM members WHERE conversation_id = c.id AND user_id = ${when.memberId ?? null}::text))
        FOR UPDATE`;
      if (!holds) return null;
      const eventSeq = await recordEvent(tx, id, 'conversation.updated', null, null, now);
      if (eventSeq === null) return null;
      const [row] = await tx<ConversationRow[]>`
        UPDATE conversations SET
          title = CASE WHEN ${patch.title !== undefined} THEN ${patch.title ?? null} ELSE title END,
          avatar_url = CASE WHEN ${patch.avatarUrl !== undefined} THEN ${patch.avatarUrl ?? null} ELSE avatar_url END,
          metadata = CASE WHEN ${patch.metadata !== undefined} THEN ${JSON.stringify(patch.metadata ?? {})} ELSE metadata END,
          group_mentions = COALESCE(${patch.groupMentions ?? null}::text, group_mentions),
          status = COALESCE(${patch.status ?? null}::text, status),
          assignee_id = CASE WHEN ${patch.assigneeId !== undefined} THEN ${patch.assigneeId ?? null}::text ELSE assignee_id END,
          team_id = CASE WHEN ${patch.teamId !== undefined} THEN ${patch.teamId ?? null}::text ELSE team_id END
        WHERE id = ${id} RETURNING ${tx.unsafe(CONVERSATION_COLUMNS)}`;
      return row ? toConversation(row) : null;
    });
  }

  async getMember(conversationId: string, userId: string) {
    const [row] = await this.#db.sql<MemberRow[]>`
      SELECT ${this.#db.sql.unsafe(MEMBER_COLUMNS)} FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
    return row ? toMember(row) : null;
  }

  async listMembers(conversationId: string) {
    const rows = await this.#db.sql<MemberRow[]>`
      SELECT ${this.#db.sql.unsafe(MEMBER_COLUMNS)} FROM members WHERE conversation_id = ${conversationId}
      ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`;
    return rows.map(toMember);
  }

  async addMembers(conversationId: string, userIds: readonly string[], role: MemberRole, now: number) {
    return this.#db.transaction(async (tx) => {
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
    return this.#db.transaction(async (tx) => {
      const removed = await tx`DELETE FROM members WHERE conversation_id = ${conversationId} AND user_id = ${userId}`;
      return removed.count > 0 ? recordEvent(tx, conversationId, 'member.removed', null, userId, now) : null;
    });
  }

  async setMemberRole(conversationId: string, userId: string, role: MemberRole, now: number) {
    return this.#db.transaction(async (tx) => {
      const [row] = await tx<MemberRow[]>`
        UPDATE members SET role = ${role} WHERE conversation_id = ${conversationId} AND user_id = ${userId}
        RETURNING ${tx.unsafe(MEMBER_COLUMNS)}`;
      if (!row) return null;
      const eventSeq = (await recordEvent(tx, conversationId, 'member.updated', null, userId, now)) as number;
      return { member: toMember(row), eventSeq };
    });
  }

  async list(userId: string, page: ConversationListPage) {
    const { after } = page;
    const pinnedAfter = after !== null && after.pinnedAt !== null;
    const afterKey = after === null ? null : (after.pinnedAt ?? after.lastActivityAt);
    const afterId = after?.id ?? '';
    const archived = page.archived ?? null;
    const rows = await this.#db.sql<
      Array<
        ConversationRow &
          SettingsRow & {
            role: MemberRole;
            member_count: number;
            peer_id: string | null;
            unread: number;
            mentions: number;
            last_message: MessageRow | null;
          }
      >
    >`
      SELECT c.id, c.type, c.title, c.avatar_url, c.metadata, c.created_at, c.last_activity_at, c.last_seq, c.last_event_seq,
             c.group_mentions, c.status, c.assignee_id, c.team_id, m.role, m.muted_until, m.archived, m.pinned_at, m.marked_unread,
             (SELECT COUNT(*)::int FROM members WHERE conversation_id = c.id) AS member_count,
             CASE WHEN c.type = 'private'
               THEN (SELECT user_id FROM members WHERE conversation_id = c.id AND user_id <> ${userId} LIMIT 1) END AS peer_id,
             (SELECT COUNT(*)::int FROM messages
               WHERE conversation_id = c.id AND seq > m.read_seq AND (sender_id IS NULL OR sender_id <> ${userId}) AND deleted_at IS NULL
                 AND ${this.#db.sql.unsafe(IN_CONVERSATION)}) AS unread,
             (SELECT COUNT(DISTINCT seq)::int FROM message_mentions
               WHERE conversation_id = c.id AND user_id IN (${userId}, ${GROUP_MENTION}) AND seq > m.read_seq
                 AND (sender_id IS NULL OR sender_id <> ${userId})) AS mentions,
             (SELECT row_to_json(x) FROM (SELECT ${this.#db.sql.unsafe(MESSAGE_COLUMNS)} FROM messages
               WHERE conversation_id = c.id AND seq <= c.last_seq AND ${this.#db.sql.unsafe(IN_CONVERSATION)}
               ORDER BY seq DESC LIMIT 1) x) AS last_message
      FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId}
        AND (${archived}::boolean IS NULL OR m.archived = ${archived}::boolean)
        AND (${page.status ?? null}::text IS NULL OR c.status = ${page.status ?? null}::text)
        AND (${page.assigneeId ?? null}::text IS NULL OR c.assignee_id = ${page.assigneeId ?? null}::text)
        AND (${page.assigned ?? null}::boolean IS NULL OR (c.assignee_id IS NOT NULL) = ${page.assigned ?? null}::boolean)
        AND (${page.teamId ?? null}::text IS NULL OR c.team_id = ${page.teamId ?? null}::text)
        AND (${afterKey}::bigint IS NULL
          OR (${pinnedAfter} AND (m.pinned_at IS NULL OR m.pinned_at < ${afterKey}::bigint
                                  OR (m.pinned_at = ${afterKey}::bigint AND c.id < ${afterId})))
          OR (NOT ${pinnedAfter} AND m.pinned_at IS NULL
              AND (c.last_activity_at < ${afterKey}::bigint OR (c.last_activity_at = ${afterKey}::bigint AND c.id < ${afterId}))))
      ORDER BY m.pinned_at IS NULL, COALESCE(m.pinned_at, c.last_activity_at) DESC, c.id DESC
      LIMIT ${page.limit}`;
    const now = Date.now();
    return rows.map(
      (row): ConversationSummary => ({
        ...toConversation(row),
        role: row.role,
        memberCount: row.member_count,
        peerId: row.peer_id,
        lastMessage: row.last_message ? toMessage(row.last_message) : null,
        unreadCount: row.unread,
        unreadMentionCount: row.mentions,
        settings: toSettings(toSettingsFacts(row), now),
      }),
    );
  }

  async listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.#db.sql<{ event_seq: number; type: StoredEventType; message_id: string | null; user_id: string | null }[]>`
      SELECT event_seq, type, message_id, user_id FROM events
      WHERE conversation_id = ${conversationId} AND event_seq > ${afterEventSeq} ORDER BY event_seq LIMIT ${limit}`;
    return rows.map((row) => ({ eventSeq: row.event_seq, type: row.type, messageId: row.message_id, userId: row.user_id }));
  }

  async syncState(userId: string): Promise<SyncEntry[]> {
    const rows = await this.#db.sql<{ id: string; last_seq: number; last_event_seq: number }[]>`
      SELECT c.id, c.last_seq, c.last_event_seq FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId}`;
    return rows.map((row) => ({ conversationId: row.id, lastSeq: row.last_seq, lastEventSeq: row.last_event_seq }));
  }

  async sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows = await this.#db.sql<{ user_id: string }[]>`
      SELECT DISTINCT o.user_id FROM members me JOIN members o ON o.conversation_id = me.conversation_id
      WHERE me.user_id = ${userId} AND o.user_id = ANY(${[...otherIds]}::text[])`;
    return new Set(rows.map((row) => row.user_id));
  }
}
