import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';

import type { WorkItem, WorkQueue } from './types.js';

export interface RedisWorkQueueOptions {
  /** Redis URL. Ignored when `redis` is given. */
  url?: string;
  /** A client to send commands with (the blocking reader is a duplicate of it). It is not quit on `close()`. */
  redis?: Redis;
  /** Queue name; the stream is `<keyPrefix>:work:<name>`. */
  name: string;
  /** @default 'chat4all' */
  keyPrefix?: string;
  /** This worker's name in the consumer group. @default host, pid and a random suffix */
  consumer?: string;
  /** An item a worker has held this long without acknowledging is given to another. Must exceed the slowest handler. @default 30000 */
  claimIdleMs?: number;
  /** Longest wait of one blocking read. @default 2000 */
  blockMs?: number;
  /** Approximate stream length kept (`XADD MAXLEN ~`). @default 100000 */
  maxLength?: number;
  /** Items this worker handles at once (each read takes up to this many). @default 1 */
  concurrency?: number;
}

type Entries = Array<[id: string, fields: string[] | null]>;

/**
 * Work that must be done once per item by one of many workers (connector dispatch,
 * webhooks), on a Redis Streams consumer group. An item is acknowledged (`XACK`) only after
 * its handler resolves; a worker that dies or hangs mid-item leaves it pending, and another
 * worker takes it over with `XAUTOCLAIM` once it has been idle for `claimIdleMs`. Delivery
 * is at least once, so a handler makes its effect idempotent on `item.id` (a platform's
 * idempotency key, a unique row); together that is exactly-once effect.
 */
export class RedisWorkQueue<T> implements WorkQueue<T> {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #reader: Redis;
  readonly #key: string;
  readonly #group = 'workers';
  readonly #consumer: string;
  readonly #claimIdleMs: number;
  readonly #blockMs: number;
  readonly #maxLength: number;
  readonly #concurrency: number;
  #groupReady: Promise<void> | undefined;
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(options: RedisWorkQueueOptions) {
    if (options.redis) this.#redis = options.redis;
    else if (options.url) this.#redis = new Redis(options.url, { maxRetriesPerRequest: null });
    else throw new TypeError('RedisWorkQueue needs `url` or `redis`');
    this.#owned = !options.redis;
    // Blocking reads wait out an outage on a connection of their own.
    this.#reader = this.#redis.duplicate({ maxRetriesPerRequest: null, enableAutoPipelining: false });
    if (this.#owned) this.#redis.on('error', () => {});
    this.#reader.on('error', () => {});
    this.#key = `${options.keyPrefix ?? 'chat4all'}:work:${options.name}`;
    this.#consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.#claimIdleMs = options.claimIdleMs ?? 30_000;
    this.#blockMs = options.blockMs ?? 2_000;
    this.#maxLength = options.maxLength ?? 100_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
  }

  async enqueue(payload: T): Promise<string> {
    await this.#ensureGroup();
    return (await this.#redis.xadd(this.#key, 'MAXLEN', '~', this.#maxLength, '*', 'p', JSON.stringify(payload))) as string;
  }

  /** Runs `handler` for each item, `concurrency` at a time, until `stop()`; a rejected handler leaves the item for a retry after `claimIdleMs`. */
  work(handler: (item: WorkItem<T>) => Promise<void>): { stop(): Promise<void> } {
    if (this.#running) throw new Error('this queue instance is already working');
    this.#running = true;
    this.#loop = this.#run(handler);
    return {
      stop: async () => {
        this.#running = false;
        this.#reader.disconnect();
        await this.#loop;
      },
    };
  }

  /** Closes the connections without acknowledging anything held: what this worker had is reclaimed by others. */
  async close(): Promise<void> {
    this.#running = false;
    this.#reader.disconnect();
    await this.#loop?.catch(() => {});
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #ensureGroup(): Promise<void> {
    this.#groupReady ??= this.#redis.xgroup('CREATE', this.#key, this.#group, '0', 'MKSTREAM').then(
      () => undefined,
      (error: unknown) => {
        if (!String(error).includes('BUSYGROUP')) throw error;
      },
    );
    return this.#groupReady;
  }

  async #run(handler: (item: WorkItem<T>) => Promise<void>): Promise<void> {
    await this.#ensureGroup();
    let lastClaim = 0;
    while (this.#running) {
      try {
        if (performance.now() - lastClaim >= this.#claimIdleMs / 2) {
          lastClaim = performance.now();
          const [, claimed] = (await this.#redis.xautoclaim(
            this.#key,
            this.#group,
            this.#consumer,
            this.#claimIdleMs,
            '0-0',
            'COUNT',
            Math.max(100, this.#concurrency),
          )) as [string, Entries];
          await this.#handle(claimed, handler);
        }
        const reply = (await this.#reader.xreadgroup(
          'GROUP',
          this.#group,
          this.#consumer,
          'COUNT',
          Math.max(10, this.#concurrency),
          'BLOCK',
          Math.min(this.#blockMs, this.#claimIdleMs / 2),
          'STREAMS',
          this.#key,
          '>',
        )) as Array<[string, Entries]> | null;
        if (reply) await this.#handle(reply[0]?.[1] ?? [], handler);
      } catch {
        if (!this.#running) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async #handle(entries: Entries, handler: (item: WorkItem<T>) => Promise<void>): Promise<void> {
    for (let start = 0; start < entries.length && this.#running; start += this.#concurrency) {
      await Promise.all(entries.slice(start, start + this.#concurrency).map((entry) => this.#handleOne(entry, handler)));
    }
  }

  async #handleOne([id, fields]: Entries[number], handler: (item: WorkItem<T>) => Promise<void>): Promise<void> {
    if (!this.#running) return;
    // A claimed entry trimmed from the stream has no fields: nothing left to do for it.
    if (!fields) {
      await this.#redis.xack(this.#key, this.#group, id);
      return;
    }
    const payload = JSON.parse(fields[fields.indexOf('p') + 1] as string) as T;
    try {
      await handler({ id, payload });
    } catch {
      return;
    }
    await this.#redis.xack(this.#key, this.#group, id);
  }
}
