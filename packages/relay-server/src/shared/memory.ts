import type { Presence, PresenceStatus } from '@chat4all/protocol';
import { type RateDecision, TokenBucketLimiter } from '../limits/token-bucket.js';
import { nextPresence, type PresenceInput, toPresence } from './presence.js';
import type { Rate, SharedState, TypingKey } from './types.js';

interface PresenceEntry {
  status: PresenceStatus;
  lastSeenAt: number | null;
}

const typingKey = ({ conversationId, userId, threadId }: TypingKey) => `${conversationId}\u0000${userId}\u0000${threadId ?? ''}`;

/**
 * Shared state for one process: the embedded relay, or a single node. Nothing lapses here,
 * because a process that dies takes this state with it.
 */
export class MemorySharedState implements SharedState {
  readonly #buckets = new Map<string, TokenBucketLimiter>();
  readonly #connections = new Map<string, Set<string>>();
  readonly #presence = new Map<string, PresenceEntry>();
  readonly #typing = new Map<string, { key: TypingKey; expiresAt: number }>();
  /** Pushes not yet cleared by a read, by user and conversation: the highest seq pushed, and when the note lapses. */
  readonly #notified = new Map<string, { seq: number; expiresAt: number }>();
  /** The size past which `markNotified` drops the lapsed notes; doubled when few lapsed, so the sweeps stay rare. */
  #notifiedSweepAt = 1_024;

  constructor(private readonly now: () => number = Date.now) {}

  async consume(name: string, key: string, rate: Rate, cost = 1): Promise<RateDecision> {
    const id = `${name}:${rate.perMinute}:${rate.burst}`;
    let limiter = this.#buckets.get(id);
    if (!limiter) {
      limiter = new TokenBucketLimiter(rate, this.now);
      this.#buckets.set(id, limiter);
    }
    return limiter.consume(key, cost);
  }

  async addConnection(userId: string, connectionId: string, max: number): Promise<boolean> {
    const connections = this.#connections.get(userId) ?? new Set<string>();
    if (!connections.has(connectionId) && connections.size >= max) return false;
    connections.add(connectionId);
    this.#connections.set(userId, connections);
    return true;
  }

  async removeConnection(userId: string, connectionId: string): Promise<number> {
    const connections = this.#connections.get(userId);
    if (!connections) return 0;
    connections.delete(connectionId);
    if (connections.size === 0) this.#connections.delete(userId);
    return connections.size;
  }

  async connected(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((userId) => this.#connections.has(userId)));
  }

  async renewConnections(): Promise<void> {}

  async applyPresence(userId: string, input: PresenceInput, awayAfterMs: number): Promise<Presence | undefined> {
    const now = this.now();
    const entry = this.#presence.get(userId) ?? { status: 'offline', lastSeenAt: null };
    this.#presence.set(userId, entry);
    if (input === 'idle' && (entry.lastSeenAt ?? 0) > now - awayAfterMs) return undefined;
    if (input === 'expire' && this.#connections.has(userId)) return undefined;
    if (input === 'connect' || input === 'activity') entry.lastSeenAt = now;
    const next = nextPresence(entry.status, input);
    if (next === entry.status) return undefined;
    entry.status = next;
    return toPresence(userId, entry.status, entry.lastSeenAt);
  }

  async presence(userIds: readonly string[]): Promise<Presence[]> {
    return userIds.map((userId) => {
      const entry = this.#presence.get(userId);
      return toPresence(userId, entry?.status ?? 'offline', entry?.lastSeenAt ?? null);
    });
  }

  async reapPresence(): Promise<Presence[]> {
    return [];
  }

  async startTyping(key: TypingKey, ttlMs: number): Promise<boolean> {
    const id = typingKey(key);
    const fresh = !this.#typing.has(id);
    this.#typing.set(id, { key, expiresAt: this.now() + ttlMs });
    return fresh;
  }

  async stopTyping(key: TypingKey): Promise<boolean> {
    return this.#typing.delete(typingKey(key));
  }

  async takeExpiredTyping(): Promise<TypingKey[]> {
    const now = this.now();
    const expired: TypingKey[] = [];
    for (const [id, entry] of this.#typing) {
      if (entry.expiresAt > now) continue;
      this.#typing.delete(id);
      expired.push(entry.key);
    }
    return expired;
  }

  async markNotified(userId: string, conversationId: string, seq: number, ttlMs: number): Promise<void> {
    const now = this.now();
    const key = `${userId}\u0000${conversationId}`;
    const held = this.#notified.get(key);
    this.#notified.set(key, { seq: held && held.expiresAt > now ? Math.max(held.seq, seq) : seq, expiresAt: now + ttlMs });
    if (this.#notified.size < this.#notifiedSweepAt) return;
    for (const [k, note] of this.#notified) if (note.expiresAt <= now) this.#notified.delete(k);
    this.#notifiedSweepAt = Math.max(1_024, this.#notified.size * 2);
  }

  async takeNotified(userId: string, conversationId: string, readSeq: number): Promise<boolean> {
    const key = `${userId}\u0000${conversationId}`;
    const note = this.#notified.get(key);
    if (!note) return false;
    if (note.expiresAt <= this.now()) {
      this.#notified.delete(key);
      return false;
    }
    if (note.seq > readSeq) return false;
    this.#notified.delete(key);
    return true;
  }

  async close(): Promise<void> {
    this.#notified.clear();
    this.#buckets.clear();
    this.#connections.clear();
    this.#presence.clear();
    this.#typing.clear();
  }
}
