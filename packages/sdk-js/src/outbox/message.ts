import type { ContactsContent, LocationContent, Message, Metadata } from '@chat4all/protocol';
import { contentText } from '@chat4all/protocol/content';
import type { OutboxEntry } from './storage.js';

/** What a text message may carry beside its text. */
export interface SendOptions {
  metadata?: Metadata;
  replyTo?: string;
  /** A place or contact cards to share (`text` may then be `''`). */
  content?: LocationContent | ContactsContent;
  /** Members the text mentions, by user id: each must be a member (`MENTION_NOT_MEMBER` otherwise). */
  mentions?: string[];
  /** Mentions everyone, where the conversation's `groupMentions` lets the user (`GROUP_MENTION_NOT_ALLOWED` otherwise). */
  mentionsAll?: boolean;
  /** Replies in the thread of this root message (`client.thread(…).send` sets it). */
  threadId?: string;
  /** A thread reply that also shows in the conversation ("also send to the conversation"). @default false */
  showInConversation?: boolean;
}

/** Whom a message mentions, as it is sent or edited. */
export type MentionOptions = Pick<SendOptions, 'mentions' | 'mentionsAll'>;

/** The `message.send` frame that sends an entry (its file by the upload's id, once uploaded). */
export function sendFrameOf(entry: OutboxEntry) {
  const { id, conversationId, text, metadata, replyTo, file, content, mentions, mentionsAll, threadId, showInConversation } = entry;
  const attachment = file?.attachment ? { uploadId: file.attachment.uploadId } : undefined;
  return {
    type: 'message.send',
    conversationId,
    message: { id, text, metadata, replyTo, attachment, content, mentions, mentionsAll, threadId, showInConversation },
  } as const;
}

/** The message an entry becomes, as the relay stores it (a place or contact cards without text read as their own text). */
export function messageOf(entry: OutboxEntry, senderId: string | null): Omit<Message, 'seq'> {
  return {
    id: entry.id,
    conversationId: entry.conversationId,
    senderId,
    kind: entry.file ? 'file' : (entry.content?.type ?? 'text'),
    text: entry.text === '' && entry.content ? contentText(entry.content) : entry.text,
    metadata: entry.metadata ?? {},
    attachment: entry.file?.attachment ?? null,
    content: entry.content ?? null,
    replyTo: entry.replyTo ?? null,
    reactions: [],
    mentions: [...new Set(entry.mentions)],
    mentionsAll: entry.mentionsAll ?? false,
    previews: [],
    threadId: entry.threadId ?? null,
    showInConversation: entry.showInConversation ?? false,
    thread: null,
    createdAt: new Date(entry.createdAt).toISOString(),
    editedAt: null,
    deletedAt: null,
  };
}
