import type { Presence, PresenceStatus } from '@chat4all/protocol';
import { Redis } from 'ioredis';
import type { RateDecision } from '../limits/token-bucket.js';
import { PRESENCE_TRANSITIONS, type PresenceInput, toPresence } from './presence.js';
import { DEFAULT_CONNECTION_TTL_MS, type Rate, type SharedState, type TypingKey } from './types.js';

export interface RedisSharedStateOptions {
  /** Redis URL. Ignored when `redis` is given. */
  url?: string;
  /** A client to use instead of one opened from `url`; it is not quit on `close()`. */
  redis?: Redis;
  /** Prefix of every key. @default 'chat4all' */
  keyPrefix?: string;
  /** How long a connection counts without renewal; a dead node's connections stop counting after it. @default 30000 */
  connectionTtlMs?: number;
}

/** Every script reads the clock of Redis, so nodes with skewed clocks still agree. */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Token bucket, the same arithmetic as `TokenBucketLimiter`. KEYS: bucket. ARGV: perMinute, burst, cost. */
const CONSUME = `${NOW}
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= cost then tokens = tokens - cost else wait = math.ceil((cost - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return wait`;

/** KEYS: user's connections, live users. ARGV: connection id, max, ttl, user id. */
const ADD_CONNECTION = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
local expires = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], 'GT', expires, ARGV[4])
return 1`;

/** KEYS: user's connections. ARGV: connection id. */
const REMOVE_CONNECTION = `${NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

/** KEYS: user's connections. 1 when one has not lapsed. */
const IS_CONNECTED = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf') > 0 and 1 or 0`;

/** KEYS: user's connections, live users. ARGV: ttl, user id, connection ids… */
const RENEW_CONNECTIONS = `${NOW}
local expires = now + tonumber(ARGV[1])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'XX', expires, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', expires, ARGV[2])
return 0`;

/** The status after an input, from the transition table passed as JSON: one state machine for both adapters. */
const NEXT = `local function next_status(transitions, status, input)
  local row = transitions[status]
  return (row and row[input]) or status
end`;

/** KEYS: user's presence, user's connections. ARGV: input, awayAfterMs, transitions JSON. */
const APPLY_PRESENCE = `${NOW}
${NEXT}
local p = redis.call('HMGET', KEYS[1], 'status', 'lastSeenAt')
local status = p[1] or 'offline'
local last = p[2] or ''
local input = ARGV[1]
if input == 'idle' then
  if last ~= '' and tonumber(last) > now - tonumber(ARGV[2]) then return false end
elseif input == 'expire' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) > 0 then return false end
else
  last = tostring(now)
  redis.call('HSET', KEYS[1], 'lastSeenAt', last)
end
local next = next_status(cjson.decode(ARGV[3]), status, input)
if next == status then return false end
redis.call('HSET', KEYS[1], 'status', next)
return {next, last}`;

/** KEYS: live users. ARGV: grace, key prefix, transitions JSON. Returns [userId, status, lastSeenAt]… */
const REAP_PRESENCE = `${NOW}
${NEXT}
local transitions = cjson.decode(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, 200)
local out = {}
for _, user in ipairs(due) do
  local conns = ARGV[2] .. ':conns:' .. user
  redis.call('ZREMRANGEBYSCORE', conns, '-inf', now)
  local newest = redis.call('ZRANGE', conns, -1, -1, 'WITHSCORES')
  if newest[2] then
    redis.call('ZADD', KEYS[1], newest[2], user)
  else
    redis.call('ZREM', KEYS[1], user)
    local key = ARGV[2] .. ':presence:' .. user
    local p = redis.call('HMGET', key, 'status', 'lastSeenAt')
    local status = p[1] or 'offline'
    local next = next_status(transitions, status, 'expire')
    if next ~= status then
      redis.call('HSET', key, 'status', next)
      table.insert(out, {user, next, p[2] or ''})
    end
  end
end
return out`;

/** KEYS: typing set. ARGV: member, ttl. */
const START_TYPING = `${NOW}
local fresh = redis.call('ZSCORE', KEYS[1], ARGV[1]) == false
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if fresh then return 1 end
return 0`;

/** KEYS: typing set. */
const TAKE_EXPIRED_TYPING = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 500)
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

/** KEYS: note. ARGV: seq, ttl. Keeps the highest seq noted. */
const MARK_NOTIFIED = `local held = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], math.max(held, tonumber(ARGV[1])), 'PX', ARGV[2])`;

/** KEYS: note. ARGV: read seq. Removes the note when the read covers it. */
const TAKE_NOTIFIED = `local held = redis.call('GET', KEYS[1])
if not held or tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

const SCRIPTS = {
  c4aConsume: { numberOfKeys: 1, lua: CONSUME },
  c4aAddConnection: { numberOfKeys: 2, lua: ADD_CONNECTION },
  c4aRemoveConnection: { numberOfKeys: 1, lua: REMOVE_CONNECTION },
  c4aRenewConnections: { numberOfKeys: 2, lua: RENEW_CONNECTIONS },
  c4aIsConnected: { numberOfKeys: 1, lua: IS_CONNECTED },
  c4aApplyPresence: { numberOfKeys: 2, lua: APPLY_PRESENCE },
  c4aReapPresence: { numberOfKeys: 1, lua: REAP_PRESENCE },
  c4aStartTyping: { numberOfKeys: 1, lua: START_TYPING },
  c4aTakeExpiredTyping: { numberOfKeys: 1, lua: TAKE_EXPIRED_TYPING },
  c4aMarkNotified: { numberOfKeys: 1, lua: MARK_NOTIFIED },
  c4aTakeNotified: { numberOfKeys: 1, lua: TAKE_NOTIFIED },
} as const;

type Arg = string | number;
type Scripted = Redis & Record<keyof typeof SCRIPTS, (...args: Arg[]) => Promise<unknown>>;

const TRANSITIONS = JSON.stringify(PRESENCE_TRANSITIONS);
const TYPING_SEPARATOR = ' ';

/**
 * Shared state in Redis, for relay nodes that scale out. Each operation is one Lua script,
 * so a check and its update are atomic across nodes. Keys: `{prefix}:rate:*` token buckets,
 * `{prefix}:conns:{user}` live connections (sorted by expiry), `{prefix}:live` users with
 * connections, `{prefix}:presence:{user}` status and last seen, `{prefix}:typing` typing
 * indicators (sorted by expiry), `{prefix}:notified:{length of user}:{user}:{conversation}`
 * the highest seq pushed and not yet cleared by a read (lapsing on its own).
 *
 * Scripts touch keys they build from the prefix, which a single Redis or a replicated pair
 * allows; Redis Cluster does not.
 */
export class RedisSharedState implements SharedState {
  readonly #redis: Scripted;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: RedisSharedStateOptions) {
    if (options.redis) {
      this.#redis = options.redis as Scripted;
      this.#owned = false;
    } else {
      if (!options.url) throw new TypeError('RedisSharedState needs `url` or `redis`');
      // Fail fast while Redis is away: callers fall back rather than hold a message for it.
      // Checks issued in the same tick (a burst of sends) go out in one write.
      this.#redis = new Redis(options.url, { maxRetriesPerRequest: 1, commandTimeout: 2_000, enableAutoPipelining: true }) as Scripted;
      this.#redis.on('error', () => {});
      this.#owned = true;
    }
    for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) this.#redis.defineCommand(name, { numberOfKeys, lua });
    this.#prefix = options.keyPrefix ?? 'chat4all';
    this.#ttlMs = options.connectionTtlMs ?? DEFAULT_CONNECTION_TTL_MS;
  }

  async consume(name: string, key: string, rate: Rate, cost = 1): Promise<RateDecision> {
    const wait = Number(await this.#redis.c4aConsume(`${this.#prefix}:rate:${name}:${key}`, rate.perMinute, rate.burst, cost));
    return wait === 0 ? { ok: true } : { ok: false, retryAfterMs: wait };
  }

  async addConnection(userId: string, connectionId: string, max: number): Promise<boolean> {
    return (await this.#redis.c4aAddConnection(this.#conns(userId), this.#live(), connectionId, max, this.#ttlMs, userId)) === 1;
  }

  async removeConnection(userId: string, connectionId: string): Promise<number> {
    return Number(await this.#redis.c4aRemoveConnection(this.#conns(userId), connectionId));
  }

  async connected(userIds: readonly string[]): Promise<Set<string>> {
    const answers = await Promise.all(userIds.map((userId) => this.#redis.c4aIsConnected(this.#conns(userId))));
    return new Set(userIds.filter((_, index) => Number(answers[index]) === 1));
  }

  async renewConnections(connections: ReadonlyArray<{ userId: string; connectionId: string }>): Promise<void> {
    const byUser = new Map<string, string[]>();
    for (const { userId, connectionId } of connections) byUser.set(userId, [...(byUser.get(userId) ?? []), connectionId]);
    const pipeline = this.#redis.pipeline() as unknown as Record<string, (...args: Arg[]) => void> & { exec(): Promise<unknown> };
    for (const [userId, ids] of byUser) pipeline.c4aRenewConnections?.(this.#conns(userId), this.#live(), this.#ttlMs, userId, ...ids);
    await pipeline.exec();
  }

  async applyPresence(userId: string, input: PresenceInput, awayAfterMs: number): Promise<Presence | undefined> {
    const changed = (await this.#redis.c4aApplyPresence(
      `${this.#prefix}:presence:${userId}`,
      this.#conns(userId),
      input,
      awayAfterMs,
      TRANSITIONS,
    )) as [PresenceStatus, string] | null;
    return changed ? toPresence(userId, changed[0], lastSeen(changed[1])) : undefined;
  }

  async presence(userIds: readonly string[]): Promise<Presence[]> {
    const pipeline = this.#redis.pipeline();
    for (const userId of userIds) pipeline.hmget(`${this.#prefix}:presence:${userId}`, 'status', 'lastSeenAt');
    const results = (await pipeline.exec()) ?? [];
    return userIds.map((userId, i) => {
      const [error, value] = results[i] ?? [null, null];
      if (error) throw error;
      const [status, last] = (value as [PresenceStatus | null, string | null] | null) ?? [null, null];
      return toPresence(userId, status ?? 'offline', lastSeen(last ?? ''));
    });
  }

  async reapPresence(graceMs: number): Promise<Presence[]> {
    const reaped = (await this.#redis.c4aReapPresence(this.#live(), graceMs, this.#prefix, TRANSITIONS)) as Array<
      [string, PresenceStatus, string]
    >;
    return reaped.map(([userId, status, last]) => toPresence(userId, status, lastSeen(last)));
  }

  async startTyping(key: TypingKey, ttlMs: number): Promise<boolean> {
    return (await this.#redis.c4aStartTyping(this.#typing(), member(key), ttlMs)) === 1;
  }

  async stopTyping(key: TypingKey): Promise<boolean> {
    return (await this.#redis.zrem(this.#typing(), member(key))) === 1;
  }

  async takeExpiredTyping(): Promise<TypingKey[]> {
    const due = (await this.#redis.c4aTakeExpiredTyping(this.#typing())) as string[];
    return due.map((m) => {
      const [conversationId, userId, threadId] = m.split(TYPING_SEPARATOR) as [string, string, string?];
      return threadId ? { conversationId, userId, threadId } : { conversationId, userId };
    });
  }

  async markNotified(userId: string, conversationId: string, seq: number, ttlMs: number): Promise<void> {
    await this.#redis.c4aMarkNotified(this.#notified(userId, conversationId), seq, Math.max(1, Math.ceil(ttlMs)));
  }

  async takeNotified(userId: string, conversationId: string, readSeq: number): Promise<boolean> {
    return (await this.#redis.c4aTakeNotified(this.#notified(userId, conversationId), readSeq)) === 1;
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #conns(userId: string): string {
    return `${this.#prefix}:conns:${userId}`;
  }

  #live(): string {
    return `${this.#prefix}:live`;
  }

  /** Ids may hold `:`: the user's length says where it ends, so no two pairs share a key. */
  #notified(userId: string, conversationId: string): string {
    return `${this.#prefix}:notified:${userId.length}:${userId}:${conversationId}`;
  }

  #typing(): string {
    return `${this.#prefix}:typing`;
  }
}

const member = ({ conversationId, userId, threadId }: TypingKey) =>
  `${conversationId}${TYPING_SEPARATOR}${userId}${threadId ? `${TYPING_SEPARATOR}${threadId}` : ''}`;
const lastSeen = (ms: string): number | null => (ms === '' ? null : Number(ms));
