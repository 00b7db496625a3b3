import type { Message } from '@chat4all/protocol';

/** One word of a search: the whole word, or any word it begins (`prefix`). Letters, digits and marks only. */
export interface SearchTerm {
  word: string;
  prefix: boolean;
}

/** Where a page of results starts: after the message created at `createdAt` with id `id`, newest first. */
export interface SearchCursor {
  createdAt: number;
  id: string;
}

export interface SearchInput {
  /** Only conversations this user is a member of now. */
  userId: string;
  /** Every term must match (AND); at least one. */
  terms: readonly SearchTerm[];
  conversationId?: string;
  senderId?: string;
  /** `true`: only messages with an attachment; `false`: only without. */
  hasFile?: boolean;
  /** Epoch ms, exclusive bounds on when a message was sent. */
  after?: number;
  before?: number;
  cursor?: SearchCursor;
  limit: number;
}

/**
 * Full-text search over messages, kept in the same transaction as every write of a message's
 * text (append, edit, delete): an edited message is found by its new text, a deleted one never.
 */
export interface SearchRepository {
  /** Up to `limit` messages matching every term that the user can read, newest first (created at, then id). */
  messages(input: SearchInput): Promise<Message[]>;
}
