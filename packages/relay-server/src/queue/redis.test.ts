import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import { RedisWorkQueue } from './redis.js';

const keyPrefix = `test:${randomBytes(6).toString('hex')}`;

afterAll(() => deleteKeys(keyPrefix));

describe('RedisWorkQueue', () => {
  it('does each item once even when a worker dies holding one: another reclaims it with XAUTOCLAIM', async () => {
    const options = { url: REDIS_URL, keyPrefix, name: 'dispatch', claimIdleMs: 300, blockMs: 100 };
    const producer = new RedisWorkQueue<{ n: number }>(options);
    const ids = new Map<number, string>();
    for (let n = 0; n < 50; n++) ids.set(n, await producer.enqueue({ n }));

    const effects = new Map<number, { count: number; by: string; id: string }>();
    const record =
      (by: string) =>
      async ({ id, payload }: { id: string; payload: { n: number } }) => {
        const seen = effects.get(payload.n);
        effects.set(payload.n, { count: (seen?.count ?? 0) + 1, by, id });
      };

    // Worker A does items until it takes item 10, then hangs there for good: for the group it is dead.
    let holding: (id: string) => void = () => {};
    const held = new Promise<string>((resolve) => (holding = resolve));
    const a = new RedisWorkQueue<{ n: number }>({ ...options, consumer: 'worker-a' });
    const doA = record('a');
    const runA = a.work(async (item) => {
      if (item.payload.n !== 10) return doA(item);
      holding(item.id);
      await new Promise(() => {});
    });
    expect(await held).toBe(ids.get(10));

    // Worker B starts later and ends up doing everything else, item 10 included.
    let finished: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (finished = resolve));
    const doB = record('b');
    const b = new RedisWorkQueue<{ n: number }>({ ...options, consumer: 'worker-b' });
    const runB = b.work(async (item) => {
      await doB(item);
      if (effects.size === 50) finished();
    });
    await allDone;

    expect([...effects.values()].every((effect) => effect.count === 1)).toBe(true);
    expect(effects.get(10)).toEqual({ count: 1, by: 'b', id: ids.get(10) });
    expect([...effects.values()].filter((effect) => effect.by === 'a').length).toBeLessThan(11);
    const admin = new Redis(REDIS_URL);
    const [pendingCount] = (await admin.xpending(`${keyPrefix}:work:dispatch`, 'workers')) as [number];
    await admin.quit();
    expect(pendingCount).toBe(0);

    await runB.stop();
    void runA;
    await Promise.all([b.close(), producer.close()]);
    // A's loop is parked in its handler forever; dropping its connections is what dying looks like.
    void a.close();
  });

  it('handles up to `concurrency` items at once, acknowledging each when its handler finishes', async () => {
    const queue = new RedisWorkQueue<{ n: number }>({ url: REDIS_URL, keyPrefix, name: 'concurrent', blockMs: 100, concurrency: 4 });
    for (let n = 0; n < 8; n++) await queue.enqueue({ n });
    let inFlight = 0;
    let most = 0;
    let started = 0;
    let release: () => void = () => {};
    const fourStarted = new Promise<void>((resolve) => (release = resolve));
    let finishedAll: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (finishedAll = resolve));
    let done = 0;
    // The first four wait until all four are running: only a worker running four at once gets past them.
    const run = queue.work(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      if (++started === 4) release();
      if (started <= 4) await fourStarted;
      inFlight--;
      if (++done === 8) finishedAll();
    });
    await allDone;
    expect(most).toBe(4);
    await run.stop();
    await queue.close();
  });
});
