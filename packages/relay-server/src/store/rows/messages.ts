import type { Attachment, Message, MessageContent, MessageKind, ReactionSummary } from '@chat4all/protocol';
import { iso, isoOrNull } from '../../shared/time.js';
import type { AppendInput, StoredReactions } from '../repositories/messages.js';
import { parseMetadata } from './metadata.js';

export const MESSAGE_COLUMNS =
  'id, conversation_id, seq, kind, sender_id, text, metadata, attachment, content, reactions, reply_to, created_at, edited_at, deleted_at';

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
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
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
    createdAt: iso(input.now),
    editedAt: null,
    deletedAt: null,
  };
}
