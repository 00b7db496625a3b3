import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import { busContract } from '../testing/bus-contract.js';
import { RedisStreamsBus } from './redis.js';

// One prefix per run: buses made for one test share it, so they act as the nodes of one deployment.
const keyPrefix = `test:${randomBytes(6).toString('hex')}`;

busContract(
  'redis-streams',
  async () => {
    const bus = new RedisStreamsBus({ url: REDIS_URL, keyPrefix, partitions: 4, blockMs: 1000 });
    await bus.ready();
    return bus;
  },
  { shared: true },
);

afterAll(() => deleteKeys(keyPrefix));
