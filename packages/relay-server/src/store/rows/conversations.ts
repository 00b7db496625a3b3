import type { Conversation, GroupMentions, Member, MemberRole } from '@chat4all/protocol';
import { iso } from '../../shared/time.js';
import { parseMetadata } from './metadata.js';

export const CONVERSATION_COLUMNS =
  'id, type, title, avatar_url, metadata, created_at, last_activity_at, last_seq, last_event_seq, group_mentions';
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
