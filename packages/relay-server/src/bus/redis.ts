import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Bus, BusEnvelope } from './types.js';

export interface RedisStreamsBusOptions {
  /** Redis URL. Ignored when `redis` is given. */
  url?: string;
  /**
   * A client to publish with instead of one opened from `url`. The bus duplicates it for
   * its blocking reader and does not quit it on `close()`.
   */
  redis?: Redis;
  /** Prefix of the stream keys. @default 'chat4all' */
  keyPrefix?: string;
  /** Fan-out streams; a conversation always maps to the same one, which keeps its order. @default 16 */
  partitions?: number;
  /** Approximate length each stream is trimmed to. @default 10000 */
  streamMaxLength?: number;
  /** How long one blocking read waits before it is issued again. @default 5000 */
  blockMs?: number;
}

/** FNV-1a: stable across processes and versions, which is all partitioning needs. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

type StreamReply = Array<[key: string, entries: Array<[id: string, fields: string[]]>]>;

/**
 * Fan-out over Redis Streams. A conversation's envelopes go to one of `partitions` streams
 * (`XADD … MAXLEN ~`), so their order holds; those published in the same turn of the event
 * loop share one entry per stream (field `b`, a JSON array; a lone one is field `e`). Every
 * node reads every stream with a blocking `XREAD` from where it last was. Publishing waits out a Redis outage (commands
 * queue and are sent on reconnect) rather than failing, so an outage delays fan-out
 * instead of losing it.
 *
 * The store stays the truth: when the reader's connection drops, envelopes may have been
 * trimmed or lost with a Redis restart, so the bus reports a gap and the relay asks its
 * clients to resume from the store.
 */
export class RedisStreamsBus implements Bus {
  readonly #publisher: Redis;
  readonly #reader: Redis;
  readonly #owned: boolean;
  readonly #keys: string[];
  readonly #maxLength: number;
  readonly #blockMs: number;
  readonly #listeners = new Set<(envelope: BusEnvelope, publishedAt: number) => void>();
  readonly #gapListeners = new Set<() => void>();
  /** Last id read per stream; `$` until the first read returns. */
  readonly #cursors: string[];
  #closed = false;
  /** Settles once the reader has its starting cursors. */
  #positioned: Promise<void> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #disconnected = false;
  /** Envelopes published this turn and not yet sent, per stream. */
  #pending = new Map<number, { at: number; envelopes: string[]; waiters: Array<{ resolve(): void; reject(error: unknown): void }> }>();
  #flushing: NodeJS.Immediate | undefined;

  constructor(options: RedisStreamsBusOptions) {
    const connection: RedisOptions = { maxRetriesPerRequest: null, lazyConnect: false };
    if (options.redis) {
      this.#publisher = options.redis;
      this.#owned = false;
    } else {
      if (!options.url) throw new TypeError('RedisStreamsBus needs `url` or `redis`');
      // Publishes issued in the same tick go out in one write.
      this.#publisher = new Redis(options.url, { ...connection, enableAutoPipelining: true });
      this.#owned = true;
    }
    const prefix = options.keyPrefix ?? 'chat4all';
    // Named so operators can tell the blocking reader apart in `CLIENT LIST`.
    this.#reader = this.#publisher.duplicate({
      ...connection,
      enableAutoPipelining: false,
      connectionName: `${prefix}:bus-reader:${randomBytes(4).toString('hex')}`,
    });
    const partitions = options.partitions ?? 16;
    this.#keys = Array.from({ length: partitions }, (_, p) => `${prefix}:fanout:${p}`);
    this.#cursors = this.#keys.map(() => '$');
    this.#maxLength = options.streamMaxLength ?? 10_000;
    this.#blockMs = options.blockMs ?? 5_000;
    this.#reader.on('close', () => {
      if (!this.#closed) this.#disconnected = true;
    });
    this.#reader.on('error', () => {});
    if (this.#owned) this.#publisher.on('error', () => {});
  }

  /** Resolves once the reader has taken its starting position: envelopes published after this reach this node. */
  async ready(): Promise<void> {
    this.#start();
    await this.#positioned;
  }

  publish(envelope: BusEnvelope): Promise<void> {
    const key = envelope.kind === 'conversation' ? envelope.conversationId : `${envelope.kind}:${envelope.userId}`;
    const partition = partitionOf(key, this.#keys.length);
    return new Promise((resolve, reject) => {
      let entry = this.#pending.get(partition);
      if (!entry) {
        entry = { at: performance.timeOrigin + performance.now(), envelopes: [], waiters: [] };
        this.#pending.set(partition, entry);
      }
      entry.envelopes.push(JSON.stringify(envelope));
      entry.waiters.push({ resolve, reject });
      this.#flushing ??= setImmediate(() => this.#flush());
    });
  }

  /**
   * Sends what this turn published: one entry per stream, holding its envelopes in publish
   * order (a commit batch resolves many sends at once, so one `XADD` carries many messages).
   */
  #flush(): void {
    if (this.#flushing) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [partition, { at, envelopes, waiters }] of pending) {
      const body = envelopes.length === 1 ? ['e', envelopes[0] as string] : ['b', `[${envelopes.join(',')}]`];
      this.#publisher.xadd(this.#keys[partition] as string, 'MAXLEN', '~', this.#maxLength, '*', ...body, 't', String(at)).then(
        () => {
          for (const waiter of waiters) waiter.resolve();
        },
        (error: unknown) => {
          for (const waiter of waiters) waiter.reject(error);
        },
      );
    }
  }

  subscribe(listener: (envelope: BusEnvelope, publishedAt: number) => void): () => void {
    this.#listeners.add(listener);
    this.#start();
    return () => this.#listeners.delete(listener);
  }

  /** Called when this node may have missed envelopes (its reader lost Redis); returns an unsubscribe function. */
  onGap(listener: () => void): () => void {
    this.#gapListeners.add(listener);
    return () => this.#gapListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#flush();
    this.#listeners.clear();
    this.#gapListeners.clear();
    this.#reader.disconnect();
    await this.#loop?.catch(() => {});
    if (this.#owned) await this.#publisher.quit().catch(() => this.#publisher.disconnect());
  }

  #start(): void {
    if (this.#loop || this.#closed) return;
    this.#positioned = this.#position();
    this.#loop = this.#positioned.then(() => this.#read());
  }

  /** Starts every stream at its current last id, so the first blocking read misses nothing published after `ready()`. */
  async #position(): Promise<void> {
    const pipeline = this.#reader.pipeline();
    for (const key of this.#keys) pipeline.xrevrange(key, '+', '-', 'COUNT', 1);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, entries], index) => {
      if (error) throw error;
      const last = (entries as Array<[string, string[]]>)[0];
      this.#cursors[index] = last ? last[0] : '0-0';
    });
  }

  async #read(): Promise<void> {
    while (!this.#closed) {
      let reply: StreamReply | null;
      try {
        reply = (await this.#reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          this.#blockMs,
          'STREAMS',
          ...this.#keys,
          ...this.#cursors,
        )) as StreamReply | null;
      } catch {
        if (this.#closed) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (this.#disconnected) {
        // The connection came back: what was published meanwhile is in the streams unless
        // Redis restarted without persistence or trimmed past us. Deliver what is there,
        // then tell the relay to have clients resume from the store.
        this.#disconnected = false;
        queueMicrotask(() => {
          for (const listener of this.#gapListeners) listener();
        });
      }
      if (!reply) continue;
      for (const [key, entries] of reply) {
        const index = this.#keys.indexOf(key);
        for (const [id, fields] of entries) {
          this.#cursors[index] = id;
          this.#dispatch(fields);
        }
      }
    }
  }

  #dispatch(fields: string[]): void {
    let envelopes: BusEnvelope[] = [];
    let at = Number.NaN;
    for (let i = 0; i < fields.length; i += 2) {
      const value = fields[i + 1] as string;
      if (fields[i] === 'e') envelopes = [JSON.parse(value) as BusEnvelope];
      else if (fields[i] === 'b') envelopes = JSON.parse(value) as BusEnvelope[];
      else if (fields[i] === 't') at = Number(value);
    }
    for (const envelope of envelopes) for (const listener of this.#listeners) listener(envelope, at);
  }
}
