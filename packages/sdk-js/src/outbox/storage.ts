import type { Attachment, ContactsContent, LocationContent, Metadata } from '@chat4all/protocol';
import type { RequestFrame } from '../connection/socket.js';

/** A frame that changes a message, answered with the message as it now is. */
export type MessageChange = Extract<RequestFrame, { type: 'message.edit' | 'message.delete' | 'reaction.add' | 'reaction.remove' }>;

/**
 * A message, or a change to one, waiting to be acked. Written to storage before anything goes on the wire. A change (`change` set) has an
 * id of its own, `text` `''`, and is sent in order with the conversation's messages.
 */
export interface OutboxEntry {
  /** The message id (UUIDv7), reused for every retry; a change's own id. */
  id: string;
  conversationId: string;
  text: string;
  metadata?: Metadata;
  replyTo?: string;
  /** A place or contact cards the message shares. */
  content?: LocationContent | ContactsContent;
  /** Members it mentions, by user id, and whether it mentions everyone. */
  mentions?: string[];
  mentionsAll?: boolean;
  /** The root of the thread it replies in, and whether it also shows in the conversation. */
  threadId?: string;
  showInConversation?: boolean;
  /** Client time of `send()`, epoch ms. */
  createdAt: number;
  /** Order of `send()` calls, for flushing in order. */
  order: number;
  status: 'pending' | 'failed';
  /** Why it failed, when `status` is `failed`. */
  error?: { code: string; message: string; retryable: boolean };
  /** A file message: sent once its upload is complete (`attachment` set). */
  file?: OutboxFile;
  /** An edit, a delete or a reaction of a message, sent as this frame. */
  change?: MessageChange;
}

/** The file of a file message in the outbox, and how far its upload got. */
export interface OutboxFile {
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  /** The bytes, kept (in IndexedDB) so the upload resumes after a reload. Absent for Node streams and buffers. */
  blob?: Blob;
  /** Where the relay holds the upload, once created: resuming asks it for the offset. */
  uploadUrl?: string;
  /** The finished upload as the relay describes it; the message goes out once this is set. */
  attachment?: Attachment;
}

/**
 * Where the outbox survives a reload or restart. Adapters: memory (tests, ephemeral
 * bots), IndexedDB (browsers), a JSON file (Node, from `@chat4all/sdk-js/node`).
 */
export interface OutboxStorage {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(id: string): Promise<void>;
}

export class MemoryOutboxStorage implements OutboxStorage {
  readonly #entries = new Map<string, OutboxEntry>();

  async load(): Promise<OutboxEntry[]> {
    return [...this.#entries.values()].map((entry) => ({ ...entry }));
  }

  async put(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.id, { ...entry });
  }

  async delete(id: string): Promise<void> {
    this.#entries.delete(id);
  }
}
