import type { Conversation, Member, MemberRole, Message, MessageKind, Metadata, User } from '@chat4all/protocol';
import type { AppendInput } from './types.js';

/**
 * Column shapes shared by the SQL adapters; times are epoch milliseconds, metadata is JSON
 * text. PostgreSQL `bigint` columns may arrive as strings (the `postgres` client's default
 * for int8), so times go through `Number()`.
 */
export interface UserRow {
  id: string;
  display_name: string | null;
  avatar_url: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

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
}

export interface MemberRow {
  user_id: string;
  role: MemberRole;
  joined_at: number;
  delivered_seq: number;
  read_seq: number;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  kind: MessageKind;
  sender_id: string | null;
  text: string;
  metadata: string;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString();
const isoOrNull = (ms: number | string | null): string | null => (ms === null ? null : iso(ms));
const parseMetadata = (text: string): Metadata => JSON.parse(text) as Metadata;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
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

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    kind: row.kind,
    senderId: row.sender_id,
    text: row.text,
    metadata: parseMetadata(row.metadata),
    replyTo: row.reply_to,
    createdAt: iso(row.created_at),
    editedAt: isoOrNull(row.edited_at),
    deletedAt: isoOrNull(row.deleted_at),
  };
}

/** The message an append stores for a new id, as the append returns it. */
export function appendedMessage(input: AppendInput, seq: number): Message {
  return {
    id: input.id,
    conversationId: input.conversationId,
    seq,
    kind: input.kind,
    senderId: input.senderId,
    text: input.text,
    metadata: input.metadata,
    replyTo: input.replyTo,
    createdAt: iso(input.now),
    editedAt: null,
    deletedAt: null,
  };
}
