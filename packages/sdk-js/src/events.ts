import type { Message, PresenceEvent, ServerFrame, TypingEvent } from '@chat4all/protocol';

/** What the client emits, beside its stores: each new message, typing and presence change, and every frame. */
export interface ClientEvents {
  message: (message: Message) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  frame: (frame: ServerFrame) => void;
}
