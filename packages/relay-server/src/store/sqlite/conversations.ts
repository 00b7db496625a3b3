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
  ConversationCursor,
  ConversationListPage,
  ConversationPatch,
  ConversationsRepository,
  GroupInput,
  StoredEvent,
  StoredEventType,
  SyncEntry,
} from '../types.js';
import type { SqliteDb } from './db.js';
import { recordEvent } from './events.js';

/** Rows after the cursor in the list's order: pinned ones by when pinned, then the others by activity. */
const AFTER_CURSOR = `(@afterKey IS NULL
  OR (@afterPinned = 1 AND (m.pinned_at IS NULL OR m.pinned_at < @afterKey OR (m.pinned_at = @afterKey AND c.id < @afterId)))
  OR (@afterPinned = 0 AND m.pinned_at IS NULL
      AND (c.last_activity_at < @afterKey OR (c.last_activity_at = @afterKey AND c.id < @afterId))))`;

/** The agent-inbox filters of a list page; a null parameter does not filter. */
const INBOX_FILTERS = `(@status IS NULL OR c.status = @status)
  AND (@assigneeId IS NULL OR c.assignee_id = @assigneeId)
  AND (@assigned IS NULL OR (c.assignee_id IS NOT NULL) = @assigned)
  AND (@teamId IS NULL OR c.team_id = @teamId)`;

function cursorParams(after: ConversationCursor | null) {
  if (!after) return { afterKey: null, afterPinned: 0, afterId: '' };
  const pinned = after.pinnedAt !== null;
  return { afterKey: pinned ? after.pinnedAt : after.lastActivityAt, afterPinned: pinned ? 1 : 0, afterId: after.id };
}

/** Conversations, members, the event log and resume positions in SQLite. */
export class SqliteConversations implements ConversationsRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async createPrivate(input: { id: string; userIds: [string, string]; now: number }) {
    const key = [...input.userIds].sort().join('\u0000');
    return this.#db.transaction(() => {
      const existing = this.#db.get<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE private_key = ?`, key);
      if (existing) return { conversation: toConversation(existing), created: false };
      const row = this.#db.get<ConversationRow>(
        `INSERT INTO conversations (id, type, private_key, created_at, last_activity_at) VALUES (?, 'private', ?, ?, ?)
         RETURNING ${CONVERSATION_COLUMNS}`,
        input.id,
        key,
        input.now,
        input.now,
      ) as ConversationRow;
      for (const userId of new Set(input.userIds)) {
        this.#db.run(
          "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
          input.id,
          userId,
          input.now,
        );
      }
      return { conversation: toConversation(row), created: true };
    });
  }

  async createGroup(input: GroupInput) {
    return this.#db.transaction(() => {
      const row = this.#db.get<ConversationRow>(
        `INSERT INTO conversations (id, type, title, avatar_url, metadata, created_at, last_activity_at)
         VALUES (?, 'group', ?, ?, ?, ?, ?) RETURNING ${CONVERSATION_COLUMNS}`,
        input.id,
        input.title,
        input.avatarUrl,
        JSON.stringify(input.metadata),
        input.now,
        input.now,
      ) as ConversationRow;
      this.#db.run(
        "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)",
        input.id,
        input.ownerId,
        input.now,
      );
      for (const userId of new Set(input.memberIds)) {
        if (userId === input.ownerId) continue;
        this.#db.run(
          "INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
          input.id,
          userId,
          input.now,
        );
      }
      return toConversation(row);
    });
  }

  async get(id: string) {
    const row = this.#db.get<ConversationRow>(`SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = ?`, id);
    return row ? toConversation(row) : null;
  }

  async update(id: string, patch: ConversationPatch, now: number, when: ConversationCondition = {}) {
    const row = this.#db.transaction(() => {
      const holds = this.#db.get(
        `SELECT 1 FROM conversations c WHERE c.id = @id
           AND (@status IS NULL OR c.status = @status) AND (@assigneeId IS NULL OR c.assignee_id = @assigneeId)
           AND (@memberId IS NULL OR EXISTS (SELECT 1 FROM members WHERE conversation_id = c.id AND user_id = @memberId))`,
        { id, status: when.status ?? null, assigneeId: when.assigneeId ?? null, memberId: when.memberId ?? null },
      );
      if (!holds) return null;
      recordEvent(this.#db, id, 'conversation.updated', null, null, now);
      return this.#db.get<ConversationRow>(
        `UPDATE conversations SET
         title = CASE WHEN @setTitle THEN @title ELSE title END,
         avatar_url = CASE WHEN @setAvatarUrl THEN @avatarUrl ELSE avatar_url END,
         metadata = CASE WHEN @setMetadata THEN @metadata ELSE metadata END,
         group_mentions = COALESCE(@groupMentions, group_mentions),
         status = COALESCE(@status, status),
         assignee_id = CASE WHEN @setAssignee THEN @assigneeId ELSE assignee_id END,
         team_id = CASE WHEN @setTeam THEN @teamId ELSE team_id END
       WHERE id = @id RETURNING ${CONVERSATION_COLUMNS}`,
        {
          id,
          title: patch.title ?? null,
          avatarUrl: patch.avatarUrl ?? null,
          metadata: JSON.stringify(patch.metadata ?? {}),
          setTitle: patch.title === undefined ? 0 : 1,
          setAvatarUrl: patch.avatarUrl === undefined ? 0 : 1,
          setMetadata: patch.metadata === undefined ? 0 : 1,
          groupMentions: patch.groupMentions ?? null,
          status: patch.status ?? null,
          assigneeId: patch.assigneeId ?? null,
          setAssignee: patch.assigneeId === undefined ? 0 : 1,
          teamId: patch.teamId ?? null,
          setTeam: patch.teamId === undefined ? 0 : 1,
        },
      );
    });
    return row ? toConversation(row) : null;
  }

  async getMember(conversationId: string, userId: string) {
    const row = this.#db.get<MemberRow>(
      `SELECT ${MEMBER_COLUMNS} FROM members WHERE conversation_id = ? AND user_id = ?`,
      conversationId,
      userId,
    );
    return row ? toMember(row) : null;
  }

  async listMembers(conversationId: string) {
    return this.#db
      .all<MemberRow>(
        `SELECT ${MEMBER_COLUMNS} FROM members WHERE conversation_id = ?
       ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, joined_at, user_id`,
        conversationId,
      )
      .map(toMember);
  }

  async addMembers(conversationId: string, userIds: readonly string[], role: MemberRole, now: number) {
    return this.#db.transaction(() => {
      const added: Array<{ member: Member; eventSeq: number }> = [];
      for (const userId of new Set(userIds)) {
        const row = this.#db.get<MemberRow>(
          `INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
          conversationId,
          userId,
          role,
          now,
        );
        if (row) added.push({ member: toMember(row), eventSeq: recordEvent(this.#db, conversationId, 'member.added', null, userId, now) });
      }
      return added;
    });
  }

  async removeMember(conversationId: string, userId: string, now: number) {
    return this.#db.transaction(() => {
      const removed = this.#db.run('DELETE FROM members WHERE conversation_id = ? AND user_id = ?', conversationId, userId).changes > 0;
      return removed ? recordEvent(this.#db, conversationId, 'member.removed', null, userId, now) : null;
    });
  }

  async setMemberRole(conversationId: string, userId: string, role: MemberRole, now: number) {
    return this.#db.transaction(() => {
      const row = this.#db.get<MemberRow>(
        `UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ? RETURNING ${MEMBER_COLUMNS}`,
        role,
        conversationId,
        userId,
      );
      return row ? { member: toMember(row), eventSeq: recordEvent(this.#db, conversationId, 'member.updated', null, userId, now) } : null;
    });
  }

  async list(userId: string, page: ConversationListPage) {
    const rows = this.#db.all<
      ConversationRow & SettingsRow & { role: MemberRole; read_seq: number; member_count: number; peer_id: string | null }
    >(
      `SELECT ${CONVERSATION_COLUMNS.split(', ')
        .map((c) => `c.${c}`)
        .join(', ')}, m.role, m.read_seq, m.muted_until, m.archived, m.pinned_at, m.marked_unread,
              (SELECT COUNT(*) FROM members WHERE conversation_id = c.id) AS member_count,
              CASE WHEN c.type = 'private'
                THEN (SELECT user_id FROM members WHERE conversation_id = c.id AND user_id <> @userId LIMIT 1) END AS peer_id
       FROM members m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.user_id = @userId AND (@archived IS NULL OR m.archived = @archived) AND ${INBOX_FILTERS} AND ${AFTER_CURSOR}
       ORDER BY m.pinned_at IS NULL, COALESCE(m.pinned_at, c.last_activity_at) DESC, c.id DESC
       LIMIT @limit`,
      {
        userId,
        archived: page.archived === undefined ? null : Number(page.archived),
        status: page.status ?? null,
        assigneeId: page.assigneeId ?? null,
        assigned: page.assigned === undefined ? null : Number(page.assigned),
        teamId: page.teamId ?? null,
        ...cursorParams(page.after),
        limit: page.limit,
      },
    );
    const now = Date.now();
    return rows.map((row): ConversationSummary => {
      const last =
        row.last_seq > 0
          ? this.#db.get<MessageRow>(
              `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq <= ? AND ${IN_CONVERSATION} ORDER BY seq DESC LIMIT 1`,
              row.id,
              row.last_seq,
            )
          : undefined;
      const unread = this.#db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM messages
         WHERE conversation_id = ? AND seq > ? AND (sender_id IS NULL OR sender_id <> ?) AND deleted_at IS NULL AND ${IN_CONVERSATION}`,
        row.id,
        row.read_seq,
        userId,
      );
      const mentions = this.#db.get<{ n: number }>(
        `SELECT COUNT(DISTINCT seq) AS n FROM message_mentions
         WHERE conversation_id = ? AND user_id IN (?, '${GROUP_MENTION}') AND seq > ? AND (sender_id IS NULL OR sender_id <> ?)`,
        row.id,
        userId,
        row.read_seq,
        userId,
      );
      return {
        ...toConversation(row),
        role: row.role,
        memberCount: row.member_count,
        peerId: row.peer_id ?? null,
        lastMessage: last ? toMessage(last) : null,
        unreadCount: unread?.n ?? 0,
        unreadMentionCount: mentions?.n ?? 0,
        settings: toSettings(toSettingsFacts(row), now),
      };
    });
  }

  async listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.#db
      .all<{ event_seq: number; type: StoredEventType; message_id: string | null; user_id: string | null }>(
        'SELECT event_seq, type, message_id, user_id FROM events WHERE conversation_id = ? AND event_seq > ? ORDER BY event_seq LIMIT ?',
        conversationId,
        afterEventSeq,
        limit,
      )
      .map((row) => ({ eventSeq: row.event_seq, type: row.type, messageId: row.message_id, userId: row.user_id }));
  }

  async syncState(userId: string): Promise<SyncEntry[]> {
    return this.#db
      .all<{ id: string; last_seq: number; last_event_seq: number }>(
        'SELECT c.id, c.last_seq, c.last_event_seq FROM members m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = ?',
        userId,
      )
      .map((row) => ({ conversationId: row.id, lastSeq: row.last_seq, lastEventSeq: row.last_event_seq }));
  }

  async sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>> {
    if (otherIds.length === 0) return new Set();
    const rows = this.#db.all<{ user_id: string }>(
      `SELECT DISTINCT o.user_id FROM members me JOIN members o ON o.conversation_id = me.conversation_id
       WHERE me.user_id = ? AND o.user_id IN (SELECT value FROM json_each(?))`,
      userId,
      JSON.stringify(otherIds),
    );
    return new Set(rows.map((row) => row.user_id));
  }
}
