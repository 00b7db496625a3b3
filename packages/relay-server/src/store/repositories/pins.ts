import type { Pin } from '@chat4all/protocol';

/** One pin to set: `userId` is who pins (null for the server API key), `max` the conversation's limit. */
export interface PinInput {
  conversationId: string;
  messageId: string;
  userId: string | null;
  /** Epoch ms, or null for a pin that stays until unpinned. */
  expiresAt: number | null;
  now: number;
  max: number;
}

/** The pin as it now is (`eventSeq` null when nothing changed), or why not. */
export type PinOutcome =
  | { ok: true; pin: Pin; eventSeq: number | null }
  | { ok: false; code: 'MESSAGE_NOT_FOUND' | 'MESSAGE_DELETED' | 'TOO_MANY_PINS' };

/**
 * A conversation's pinned messages. A pin counts, lists and reads as current only while it
 * has not lapsed (`expiresAt` after now) and its message is not deleted.
 */
export interface PinsRepository {
  /**
   * Pins in one transaction, with a `pin.updated` event by `userId`. Pinning a message that is
   * pinned with the same expiry changes nothing; with another, the expiry, who and when are
   * replaced. A new pin past `max` current pins is refused.
   */
  pin(input: PinInput): Promise<PinOutcome>;
  /** Unpins with a `pin.updated` event; `eventSeq` null when it was not pinned. */
  unpin(
    conversationId: string,
    messageId: string,
    userId: string | null,
    now: number,
  ): Promise<{ ok: true; eventSeq: number | null } | { ok: false; code: 'MESSAGE_NOT_FOUND' }>;
  /** The current pins, newest first. */
  list(conversationId: string, now: number): Promise<Pin[]>;
  /** The message's current pin, or null. */
  get(conversationId: string, messageId: string, now: number): Promise<Pin | null>;
}
