import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { REDIS_URL } from '../../test/fixtures.js';
import { busContract } from '../testing/bus-contract.js';
import { RedisStreamsBus } from './redis.js';

const url = REDIS_URL;
// One prefix per run: buses made for one test share it, so they act as the nodes of one deployment.
const keyPrefix = `test:${randomBytes(6).toString('hex')}`;

busContract(
  'redis-streams',
  async () => {
    const bus = new RedisStreamsBus({ url, keyPrefix, partitions: 4, blockMs: 1000 });
    await bus.ready();
    return bus;
  },
  { shared: true },
);

afterAll(async () => {
  const redis = new Redis(url);
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
