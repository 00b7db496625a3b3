import type { Presence } from '@chat4all/protocol';
import type { RateDecision } from '../limits/token-bucket.js';
import type { PresenceInput } from './presence.js';

/** A rate: tokens added per minute and the most a key can hold (its largest burst). */
export interface Rate {
  perMinute: number;
  burst: number;
}

/** What a user is typing into: a conversation, or (with `threadId`) one of its threads. */
export interface TypingKey {
  conversationId: string;
  userId: string;
  /** The thread's root; absent or null for the conversation itself. */
  threadId?: string | null;
}

/**
 * The state every relay node must agree on: rate-limit buckets, live connections, presence
 * and typing indicators. It lives in the process when the relay is embedded and in Redis
 * when several nodes run; both adapters pass `sharedStateContract`.
 *
 * Entries written by a node that dies without cleaning up lapse on their own: connections
 * after `connectionTtlMs` unless renewed, typing indicators at their expiry.
 */
export interface SharedState {
  /** Takes `cost` tokens from the bucket `name:key`. */
  consume(name: string, key: string, rate: Rate, cost?: number): Promise<RateDecision>;
  /** Registers a live connection unless the user already has `max` on every node together; false when refused. */
  addConnection(userId: string, connectionId: string, max: number): Promise<boolean>;
  /** Forgets a connection; returns how many the user still has on every node together. */
  removeConnection(userId: string, connectionId: string): Promise<number>;
  /** Those of the users who have at least one live connection on any node. */
  connected(userIds: readonly string[]): Promise<Set<string>>;
  /** Keeps this node's connections from lapsing. Call more often than `connectionTtlMs`. */
  renewConnections(connections: ReadonlyArray<{ userId: string; connectionId: string }>): Promise<void>;
  /**
   * Applies an input to a user's presence and returns the new presence when its status
   * changed. `connect` and `activity` also mark the user seen now; `idle` applies only when
   * they were last seen `awayAfterMs` ago or more; `expire` only when they have no live
   * connection left.
   */
  applyPresence(userId: string, input: PresenceInput, awayAfterMs: number): Promise<Presence | undefined>;
  presence(userIds: readonly string[]): Promise<Presence[]>;
  /**
   * Users whose every connection lapsed at least `graceMs` ago (their node died) and who are
   * not offline yet: marks them offline and returns each one to one caller only.
   */
  reapPresence(graceMs: number): Promise<Presence[]>;
  /** Starts or renews a typing indicator that ends by itself after `ttlMs`; true when it was not on. */
  startTyping(key: TypingKey, ttlMs: number): Promise<boolean>;
  /** Ends a typing indicator; true when it was on. */
  stopTyping(key: TypingKey): Promise<boolean>;
  /** Removes the indicators past their expiry and returns each one to one caller only. */
  takeExpiredTyping(): Promise<TypingKey[]>;
  /**
   * Notes that the user was sent a push about the conversation's message `seq` (the highest
   * noted is kept); the note lapses `ttlMs` after the last one. Taken by a read that covers it,
   * so a read sends a clear only when there is a push to clear.
   */
  markNotified(userId: string, conversationId: string, seq: number, ttlMs: number): Promise<void>;
  /**
   * Removes the note `markNotified` left when `readSeq` covers its seq, and says whether it did
   * (to one caller only). A note of a later push than the read stays: clearing would replace
   * that push, still unread, at the push service.
   */
  takeNotified(userId: string, conversationId: string, readSeq: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How long a connection entry lives without renewal: a node that dies stops counting this long after. */
export const DEFAULT_CONNECTION_TTL_MS = 30_000;
