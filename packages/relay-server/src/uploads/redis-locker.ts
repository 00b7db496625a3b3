import { randomBytes } from 'node:crypto';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import { Redis } from 'ioredis';

export interface RedisLockerOptions {
  /** Redis URL. Ignored when `redis` is given. */
  url?: string;
  /** A client to use instead of one opened from `url` (duplicated for the release channel); not quit on `close()`. */
  redis?: Redis;
  /** Prefix of the lock keys and the release channel. @default 'chat4all' */
  keyPrefix?: string;
  /** How long a request waits for an upload's lock before failing. @default 30000 */
  acquireTimeoutMs?: number;
  /** How long a lock outlives a node that died holding it; renewed while held. @default 10000 */
  ttlMs?: number;
}

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

interface Held {
  token: string;
  requestRelease: RequestRelease;
  renew: ReturnType<typeof setInterval>;
}

/**
 * The tus upload lock across relay nodes, so any node can continue an upload another
 * started. `@tus/server` takes an upload's lock for each request on it; this locker keeps it
 * in Redis (`SET NX PX`, renewed while held, released only by its holder). A request that
 * finds the lock held asks the holder, over a pub/sub channel, to end its request, as
 * `@tus/server`'s in-process MemoryLocker does within one process, then waits for it.
 */
export class RedisLocker implements Locker {
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #channel: string;
  readonly acquireTimeoutMs: number;
  readonly ttlMs: number;
  readonly #held = new Map<string, Held>();
  readonly #subscribed: Promise<unknown>;

  constructor(options: RedisLockerOptions) {
    if (options.redis) {
      this.#redis = options.redis;
      this.#owned = false;
    } else {
      if (!options.url) throw new TypeError('RedisLocker needs `url` or `redis`');
      this.#redis = new Redis(options.url, { maxRetriesPerRequest: 2 });
      this.#redis.on('error', () => {});
      this.#owned = true;
    }
    this.#subscriber = this.#redis.duplicate();
    this.#subscriber.on('error', () => {});
    this.#prefix = options.keyPrefix ?? 'chat4all';
    this.#channel = `${this.#prefix}:upload-lock:release`;
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.#subscriber.on('message', (_channel: string, id: string) => {
      void this.#held.get(id)?.requestRelease();
    });
    this.#subscribed = this.#subscriber.subscribe(this.#channel);
    this.#subscribed.catch(() => {});
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  async close(): Promise<void> {
    for (const held of this.#held.values()) clearInterval(held.renew);
    this.#subscriber.disconnect();
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** @internal */
  async acquire(id: string, signal: AbortSignal, requestRelease: RequestRelease): Promise<string> {
    await this.#subscribed;
    const key = this.#key(id);
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + this.acquireTimeoutMs;
    let asked = 0;
    for (;;) {
      if ((await this.#redis.set(key, token, 'PX', this.ttlMs, 'NX')) === 'OK') {
        const renew = setInterval(() => {
          this.#redis.eval(RENEW, 1, key, token, this.ttlMs).catch(() => {});
        }, this.ttlMs / 3);
        renew.unref();
        this.#held.set(id, { token, requestRelease, renew });
        return token;
      }
      if (signal.aborted || Date.now() >= deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      // Ask the holder to finish, again now and then in case it missed the message.
      if (Date.now() - asked > 1_000) {
        asked = Date.now();
        await this.#redis.publish(this.#channel, id);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** @internal */
  async release(id: string, token: string): Promise<void> {
    const held = this.#held.get(id);
    if (held?.token === token) {
      clearInterval(held.renew);
      this.#held.delete(id);
    }
    await this.#redis.eval(UNLOCK, 1, this.#key(id), token);
  }

  #key(id: string): string {
    return `${this.#prefix}:upload-lock:${id}`;
  }
}

class RedisLock implements Lock {
  #token: string | undefined;

  constructor(
    private readonly locker: RedisLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    this.#token = await this.locker.acquire(this.id, signal, requestRelease);
  }

  async unlock(): Promise<void> {
    if (!this.#token) throw new Error('Releasing an unlocked lock');
    await this.locker.release(this.id, this.#token);
    this.#token = undefined;
  }
}
