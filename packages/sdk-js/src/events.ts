import type { Message, PresenceEvent, ServerFrame, TypingEvent } from '@chat4all/protocol';
import type { Chat4AllError } from './errors.js';
import type { OutboxEntry } from './outbox/storage.js';

/** What the client emits, beside its stores: each new message, typing and presence change, and every frame. */
export interface ClientEvents {
  message: (message: Message) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  frame: (frame: ServerFrame) => void;
  /** A queued edit, delete or reaction the relay refused (not a member, message gone…): it has left the outbox, and what it showed with it. */
  error: (error: Chat4AllError, entry: OutboxEntry) => void;
}
