import type { Attachment, LinkPreview, Message, MessageContent, MessageKind, ReactionSummary, ThreadSummary } from '@chat4all/protocol';
import { iso, isoOrNull } from '../../shared/time.js';
import type { AppendInput, MessageMentions, StoredReactions } from '../repositories/messages.js';
import { parseMetadata } from './metadata.js';

export const MESSAGE_COLUMNS =
  'id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reactions, mentions, previews, reply_to, thread_id, show_in_conversation, thread, created_at, edited_at, deleted_at';

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  kind: MessageKind;
  sender_id: string | null;
  text: string;
  metadata: string;
  /** JSON of the `Attachment`, or null. */
  attachment: string | null;
  /** JSON of the `MessageContent`, or null. */
  content: string | null;
  /** JSON of the `StoredReactions`. */
  reactions: string;
  /** JSON of the mentioned user ids, with {@link GROUP_MENTION} last when it mentions everyone. */
  mentions: string;
  /** JSON of the `LinkPreview`s. */
  previews: string;
  reply_to: string | null;
  thread_id: string | null;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  show_in_conversation: number | boolean;
  /** JSON of a root's `ThreadSummary`, or null. */
  thread: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

/**
 * The SQL condition (both stores) of a message the conversation shows: not a thread reply, or
 * one sent also to the conversation. Unread counts and last messages count only these.
 */
export const IN_CONVERSATION = '(thread_id IS NULL OR show_in_conversation)';

/**
 * Stands for "everyone" among a message's stored mentions and in the mentions index. Not a
 * valid user id (ids take no `*`), so it never names a member.
 */
export const GROUP_MENTION = '*';

/** A message's mentions as stored: the ids, then {@link GROUP_MENTION} when it mentions everyone. */
export function storedMentions(mentions: MessageMentions): string[] {
  return mentions.all ? [...mentions.userIds, GROUP_MENTION] : [...mentions.userIds];
}

/** The mentions of an append input, none when it has none. */
export function inputMentions(input: AppendInput): MessageMentions {
  return { userIds: input.mentions ?? [], all: input.mentionsAll ?? false };
}

/** A message's stored reactions as clients see them: each key with its count and users in order. */
export function summarizeReactions(stored: StoredReactions): ReactionSummary[] {
  return stored.map(({ key, by }) => ({ key, count: by.length, userIds: by.map(([user]) => user) }));
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
    // Files attached before thumbnails were made have none.
    attachment: row.attachment === null ? null : { thumbnail: null, ...(JSON.parse(row.attachment) as Omit<Attachment, 'thumbnail'>) },
    content: row.content === null ? null : (JSON.parse(row.content) as MessageContent),
    replyTo: row.reply_to,
    reactions: summarizeReactions(JSON.parse(row.reactions) as StoredReactions),
    ...parseMentions(row.mentions),
    previews: JSON.parse(row.previews) as LinkPreview[],
    threadId: row.thread_id,
    showInConversation: Boolean(row.show_in_conversation),
    thread: parseThreadSummary(row.thread),
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
    attachment: input.attachment,
    content: input.content,
    replyTo: input.replyTo,
    reactions: [],
    mentions: [...(input.mentions ?? [])],
    mentionsAll: input.mentionsAll ?? false,
    previews: [],
    threadId: input.threadId ?? null,
    showInConversation: input.showInConversation ?? false,
    thread: null,
    createdAt: iso(input.now),
    editedAt: null,
    deletedAt: null,
  };
}

/** A root's stored thread summary; null for a message no one replied to in a thread. */
export function parseThreadSummary(json: string | null): ThreadSummary | null {
  return json === null ? null : (JSON.parse(json) as ThreadSummary);
}

function parseMentions(json: string): { mentions: string[]; mentionsAll: boolean } {
  const stored = JSON.parse(json) as string[];
  const all = stored.at(-1) === GROUP_MENTION;
  return { mentions: all ? stored.slice(0, -1) : stored, mentionsAll: all };
}
