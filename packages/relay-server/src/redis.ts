/** The Redis Streams bus and work queue for scale-out deployments. Needs the `ioredis` package installed. */
export { partitionOf, RedisStreamsBus, type RedisStreamsBusOptions } from './bus/redis.js';
export { RedisWorkQueue, type RedisWorkQueueOptions } from './queue/redis.js';
export { RedisSharedState, type RedisSharedStateOptions } from './shared/redis.js';
export { RedisLocker, type RedisLockerOptions } from './uploads/redis-locker.js';
