import { isAbsolute, join } from 'node:path';
import type { TracerProvider } from '@opentelemetry/api';
import type { Redis, RedisOptions } from 'ioredis';
import { MemoryBus } from './bus/memory.js';
import type { Bus } from './bus/types.js';
import type { DispatchItem } from './channels/dispatcher.js';
import type { RelayConfig } from './config.js';
import { openTracing, type Tracing } from './observability/tracing.js';
import { MemoryWorkQueue } from './queue/memory.js';
import type { WorkQueue } from './queue/types.js';
import { MemorySharedState } from './shared/memory.js';
import type { SharedState } from './shared/types.js';
import { SqliteStore } from './store/sqlite/index.js';
import type { Store } from './store/types.js';
import type { RedisLocker } from './uploads/redis-locker.js';
import { FileUploadStorage, type UploadStorage } from './uploads/storage.js';

/** What a relay runs on: every driver the config chooses, opened in one place. */
export interface Infrastructure {
  readonly store: Store;
  readonly bus: Bus;
  readonly shared: SharedState;
  readonly uploadStorage: UploadStorage;
  /** Upload locks across nodes (Redis); in-process locks when absent. */
  readonly locker: RedisLocker | undefined;
  readonly dispatchQueue: WorkQueue<DispatchItem>;
  /** Spans (`tracing.enabled`, or the embedder's provider); every method is a pass-through when off. */
  readonly tracing: Tracing;
  /** Closes what was opened here, dependents first; what `deps` supplied stays open (but the dispatch queue, as documented). */
  close(): Promise<void>;
}

/** Parts the embedder supplies instead of the ones the config describes. */
export interface InfrastructureDependencies {
  /** A store to use instead of the one the config describes. The relay does not close it. */
  store?: Store;
  /** A bus to use instead of the in-process one. The relay does not close it. */
  bus?: Bus;
  /**
   * Shared state (rate limits, connections, presence, typing) to use instead of the one the
   * config describes: in-process, or Redis when `bus.driver` is `redis`. The relay does not close it.
   */
  shared?: SharedState;
  /** The work queue of channel dispatch, instead of the in-process one (or Redis with `bus.driver: 'redis'`). The relay closes it. */
  dispatchQueue?: WorkQueue<DispatchItem>;
  /**
   * Where the relay's spans go, instead of the OTLP export `tracing` describes (an app's own
   * OpenTelemetry SDK, or an in-memory exporter in tests). The relay does not shut it down.
   */
  tracerProvider?: TracerProvider;
}

/**
 * Opens the store the config describes: SQLite under `dataDir` by default, PostgreSQL with
 * `store.driver: 'postgres'` (the `postgres` package is loaded only then).
 */
export async function createStore(config: RelayConfig): Promise<Store> {
  if (config.store.driver === 'postgres') {
    const { PostgresStore } = await import('./store/postgres/index.js');
    const { url, poolSize, schema } = config.store.postgres;
    return new PostgresStore({ url, max: poolSize, schema });
  }
  const { path, synchronous, exclusive } = config.store.sqlite;
  return new SqliteStore({ path: path === ':memory:' || isAbsolute(path) ? path : join(config.dataDir, path), synchronous, exclusive });
}

/**
 * Opens the bus the config describes: in-process by default, Redis Streams with `bus.driver: 'redis'`
 * (publishing with `redis` when given, which the bus does not quit).
 */
export async function createBus(config: RelayConfig, redis?: Redis): Promise<Bus> {
  if (config.bus.driver === 'redis') {
    const { RedisStreamsBus } = await import('./bus/redis.js');
    return new RedisStreamsBus({ ...config.bus.redis, redis });
  }
  return new MemoryBus();
}

/** Opens upload storage: local files under `dataDir` by default, a bucket with `uploads.driver: 's3'`. */
export async function createUploadStorage(config: RelayConfig): Promise<UploadStorage> {
  const { driver, dir, s3, expireAfterMs } = config.uploads;
  if (driver === 's3') {
    const { S3UploadStorage } = await import('./uploads/s3.js');
    return new S3UploadStorage({ ...s3, bucket: s3.bucket as string, expirationPeriodInMilliseconds: expireAfterMs });
  }
  return new FileUploadStorage(isAbsolute(dir) ? dir : join(config.dataDir, dir), expireAfterMs);
}

/**
 * Opens the state nodes share: in-process by default; with `bus.driver: 'redis'`, in the same
 * Redis as the bus, so limits, connection counts, presence and typing hold across nodes
 * (through `redis` when given, which the shared state does not quit).
 */
export async function createSharedState(config: RelayConfig, redis?: Redis): Promise<SharedState> {
  if (config.bus.driver === 'redis') {
    const { RedisSharedState } = await import('./shared/redis.js');
    const { url, keyPrefix } = config.bus.redis;
    return new RedisSharedState({ url, keyPrefix, redis, connectionTtlMs: config.realtime.connectionTtlMs });
  }
  return new MemorySharedState();
}

/**
 * Opens tracing, the store (migrated when the config says so), bus, shared state, upload
 * storage, upload locker and dispatch queue. With `bus.driver: 'redis'` the Redis adapters share one
 * client, as socket.io's adapters share the one they are given; each duplicates it only for a
 * connection that behaves differently (a blocking reader, a subscriber, fail-fast checks).
 */
export async function createInfrastructure(config: RelayConfig, deps: InfrastructureDependencies = {}): Promise<Infrastructure> {
  const opened: Array<{ close(): Promise<void> }> = [];
  /** Closes what this function opened, last opened first. */
  const closeOpened = async () => {
    for (const part of opened.reverse()) await part.close();
  };
  try {
    // Opened first so it closes last: spans of the closing work are still exported.
    const { tracing, close: closeTracing } = await openTracing(config, deps.tracerProvider);
    opened.push({ close: closeTracing });
    const redis = config.bus.driver === 'redis' ? await openRedis(config, opened) : undefined;
    const store = deps.store ?? remember(opened, await createStore(config));
    const bus = deps.bus ?? remember(opened, await createBus(config, redis?.client));
    // Several nodes lock an upload in Redis, so any of them can continue it.
    const locker = redis
      ? remember(
          opened,
          new (await import('./uploads/redis-locker.js')).RedisLocker({ redis: redis.client, keyPrefix: config.bus.redis.keyPrefix }),
        )
      : undefined;
    const shared = deps.shared ?? remember(opened, await createSharedState(config, redis?.failFast()));
    if (config.store.migrateOnStart) await store.migrate();
    await bus.ready?.();
    const uploadStorage = await createUploadStorage(config);
    const dispatchQueue =
      deps.dispatchQueue ??
      (redis
        ? new (await import('./queue/redis.js')).RedisWorkQueue<DispatchItem>({
            redis: redis.client,
            keyPrefix: config.bus.redis.keyPrefix,
            name: 'dispatch',
            claimIdleMs: config.dispatch.leaseMs,
            concurrency: config.dispatch.concurrency,
          })
        : new MemoryWorkQueue<DispatchItem>({ concurrency: config.dispatch.concurrency }));
    // The queue is closed first: the dispatcher that works it stopped before the infrastructure closes.
    opened.push(dispatchQueue);
    return { store, bus, shared, uploadStorage, locker, dispatchQueue, tracing, close: closeOpened };
  } catch (error) {
    await closeOpened();
    throw error;
  }
}

function remember<T extends { close(): Promise<void> }>(opened: Array<{ close(): Promise<void> }>, part: T): T {
  opened.push(part);
  return part;
}

/** The Redis client the adapters share, quit after them. */
async function openRedis(config: RelayConfig, opened: Array<{ close(): Promise<void> }>) {
  const { Redis } = await import('ioredis');
  const { url, sentinels, sentinelName, sentinelPassword } = config.bus.redis;
  if (!url && !sentinels) throw new TypeError('bus.redis.url or bus.redis.sentinels is required with the redis bus');
  // Commands wait out an outage rather than fail (a publish is delayed, not lost); those issued in one tick go out in one write.
  // With Sentinels, ioredis asks them for the primary on every (re)connect, so a failover is an outage like any other.
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    ...(sentinels && {
      sentinels: sentinels.map((address) => {
        const at = address.lastIndexOf(':');
        return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
      }),
      name: sentinelName,
      sentinelPassword,
    }),
  };
  const client = url ? new Redis(url, options) : new Redis(options);
  client.on('error', () => {});
  const quit = (redis: Redis) => ({
    close: () =>
      redis.quit().then(
        () => undefined,
        () => redis.disconnect(),
      ),
  });
  opened.push(quit(client));
  return {
    client,
    /** Limits, presence and typing fail fast while Redis is away: callers fall back rather than hold a message for it. */
    failFast(): Redis {
      const duplicate = client.duplicate({ maxRetriesPerRequest: 1, commandTimeout: 2_000, enableAutoPipelining: true });
      duplicate.on('error', () => {});
      opened.push(quit(duplicate));
      return duplicate;
    },
  };
}
