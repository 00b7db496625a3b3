import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import { sharedStateContract } from '../testing/shared-state-contract.js';
import { RedisSharedState } from './redis.js';

// One prefix per run: instances made for one test share it, as the nodes of one deployment do.
const keyPrefix = `test:${randomBytes(6).toString('hex')}`;

sharedStateContract('redis', () => new RedisSharedState({ url: REDIS_URL, keyPrefix }), { shared: true });

describe('RedisSharedState when a node dies', () => {
  it('stops counting the dead node’s connections after their time to live, and marks its users offline once', async () => {
    const dead = new RedisSharedState({ url: REDIS_URL, keyPrefix, connectionTtlMs: 200 });
    const [b, c] = [new RedisSharedState({ url: REDIS_URL, keyPrefix }), new RedisSharedState({ url: REDIS_URL, keyPrefix })];
    const user = `user-${randomUUID()}`;
    try {
      expect(await dead.addConnection(user, 'on-dead', 1)).toBe(true);
      await dead.applyPresence(user, 'connect', 60_000);
      expect(await b.addConnection(user, 'on-b', 1)).toBe(false);
      await dead.close();

      const reaped: unknown[] = [];
      await vi.waitFor(
        async () => {
          const [fromB, fromC] = await Promise.all([b.reapPresence(100), c.reapPresence(100)]);
          reaped.push(...[...fromB, ...fromC].filter((p) => p.userId === user));
          expect(reaped).toEqual([expect.objectContaining({ userId: user, status: 'offline' })]);
        },
        { timeout: 5_000, interval: 50 },
      );
      expect(await b.addConnection(user, 'on-b', 1)).toBe(true);
    } finally {
      await Promise.all([b.close(), c.close()]);
    }
  });

  it('keeps renewed connections alive past their time to live', async () => {
    const node = new RedisSharedState({ url: REDIS_URL, keyPrefix, connectionTtlMs: 300 });
    const user = `user-${randomUUID()}`;
    try {
      await node.addConnection(user, 'c1', 1);
      const until = Date.now() + 900;
      while (Date.now() < until) {
        await node.renewConnections([{ userId: user, connectionId: 'c1' }]);
        expect(await node.addConnection(user, 'c2', 1)).toBe(false);
      }
    } finally {
      await node.close();
    }
  });
});

afterAll(() => deleteKeys(keyPrefix));
