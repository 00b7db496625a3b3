import type { Conversation, ConversationSettings, ConversationStatus, GroupMentions, Member, MemberRole } from '@chat4all/protocol';
import { iso } from '../../shared/time.js';
import type { SettingsFacts } from '../repositories/inbox.js';
import { parseMetadata } from './metadata.js';

export const CONVERSATION_COLUMNS =
  'id, type, title, avatar_url, metadata, created_at, last_activity_at, last_seq, last_event_seq, group_mentions, status, assignee_id, team_id';
export const MEMBER_COLUMNS = 'user_id, role, joined_at, delivered_seq, read_seq';

export interface ConversationRow {
  id: string;
  type: 'private' | 'group';
  title: string | null;
  avatar_url: string | null;
  metadata: string;
  created_at: number;
  last_activity_at: number;
  last_seq: number;
  last_event_seq: number;
  group_mentions: GroupMentions;
  status: ConversationStatus;
  assignee_id: string | null;
  team_id: string | null;
}

export interface MemberRow {
  user_id: string;
  role: MemberRole;
  joined_at: number;
  delivered_seq: number;
  read_seq: number;
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    avatarUrl: row.avatar_url,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
    lastActivityAt: iso(row.last_activity_at),
    lastSeq: row.last_seq,
    lastEventSeq: row.last_event_seq,
    groupMentions: row.group_mentions,
    status: row.status,
    assigneeId: row.assignee_id,
    teamId: row.team_id,
  };
}

export function toMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    role: row.role,
    joinedAt: iso(row.joined_at),
    deliveredSeq: row.delivered_seq,
    readSeq: row.read_seq,
  };
}

export const SETTINGS_COLUMNS = 'muted_until, archived, pinned_at, marked_unread';

/** A member's own settings columns; booleans are 0/1 in SQLite. */
export interface SettingsRow {
  muted_until: number | string | null;
  archived: boolean | number;
  pinned_at: number | string | null;
  marked_unread: boolean | number;
}

export function toSettingsFacts(row: SettingsRow): SettingsFacts {
  return {
    mutedUntil: row.muted_until === null ? null : Number(row.muted_until),
    archived: Boolean(row.archived),
    pinnedAt: row.pinned_at === null ? null : Number(row.pinned_at),
    markedUnread: Boolean(row.marked_unread),
  };
}

/** Settings as the user sees them: a mute whose time has passed reads as not muted. */
export function toSettings(facts: SettingsFacts, now = Date.now()): ConversationSettings {
  return {
    mutedUntil: facts.mutedUntil !== null && facts.mutedUntil > now ? iso(facts.mutedUntil) : null,
    archived: facts.archived,
    pinnedAt: facts.pinnedAt === null ? null : iso(facts.pinnedAt),
    markedUnread: facts.markedUnread,
  };
}
