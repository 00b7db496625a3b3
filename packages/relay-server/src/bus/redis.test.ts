import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import { busContract } from '../testing/bus-contract.js';
import { partitionOf, RedisStreamsBus } from './redis.js';
import type { BusEnvelope } from './types.js';

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

it('sends what one turn publishes to a stream as one entry, read back in publish order', async () => {
  const prefix = `${keyPrefix}:entries`;
  const bus = new RedisStreamsBus({ url: REDIS_URL, keyPrefix: prefix, partitions: 4, blockMs: 1000 });
  const redis = new Redis(REDIS_URL);
  try {
    await bus.ready();
    const seen: number[] = [];
    let arrived = (_n: number) => {};
    bus.subscribe((envelope) => {
      if (envelope.kind === 'conversation' && envelope.event.type === 'typing') seen.push(Number(envelope.event.userId));
      arrived(seen.length);
    });
    const typing = (n: number): BusEnvelope => ({
      kind: 'conversation',
      conversationId: 'c1',
      event: { type: 'typing', conversationId: 'c1', userId: String(n), active: true },
    });
    const all = new Promise<void>((resolve) => {
      arrived = (n) => n === 51 && resolve();
    });
    await Promise.all(Array.from({ length: 50 }, (_, n) => bus.publish(typing(n))));
    await bus.publish(typing(50));
    await all;
    expect(seen).toEqual(Array.from({ length: 51 }, (_, n) => n));
    const entries = (await redis.xrange(`${prefix}:fanout:${partitionOf('c1', 4)}`, '-', '+')) as Array<[string, string[]]>;
    expect(entries.map(([, fields]) => fields.filter((_, i) => i % 2 === 0))).toEqual([
      ['b', 't'],
      ['e', 't'],
    ]);
  } finally {
    await bus.close();
    redis.disconnect();
  }
});

afterAll(() => deleteKeys(keyPrefix));
