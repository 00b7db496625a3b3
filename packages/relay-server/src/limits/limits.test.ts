import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import type { RelayConfig } from '../config.js';
import { RelayMetrics } from '../observability/metrics.js';
import { MemorySharedState } from '../shared/memory.js';
import { RedisSharedState } from '../shared/redis.js';
import type { Rate, SharedState } from '../shared/types.js';
import { Limits, leaseSize } from './limits.js';
import type { RateDecision } from './token-bucket.js';

/** 40 sends a second, a burst of 100: leases of 10 tokens, which lapse after 250 ms. */
const config = {
  messagesPerMinute: 2400,
  messageBurst: 100,
  connectAttemptsPerMinutePerIp: 60,
  loginsPerMinutePerIp: 60,
} as RelayConfig['limits'];

/** Shared state that records every take, to count the round trips a remote one would cost. */
function recorded(inner: SharedState): SharedState & { takes: number[] } {
  const takes: number[] = [];
  return Object.assign(Object.create(inner) as SharedState, {
    takes,
    consume(name: string, key: string, rate: Rate, cost = 1) {
      takes.push(cost);
      return inner.consume(name, key, rate, cost);
    },
  });
}

const metrics = () => new RelayMetrics({ socketCount: () => 0 });

describe('Limits', () => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(prefix);
  });

  it('sizes leases at a quarter of a second of the rate, at most a tenth of the burst, and not at all for slow rates', () => {
    expect(leaseSize({ perMinute: 2400, burst: 100 })).toBe(10);
    expect(leaseSize({ perMinute: 1000, burst: 200 })).toBe(4);
    expect(leaseSize({ perMinute: 100_000_000, burst: 1000 })).toBe(100);
    expect(leaseSize({ perMinute: 60, burst: 3 })).toBe(1);
  });

  it('takes a fast sender’s tokens a lease at a time, and spends exactly the burst before refusing', async () => {
    const now = 0;
    const shared = recorded(new MemorySharedState(() => now));
    const limits = new Limits(config, shared, metrics(), undefined, () => now);
    const answers = [];
    for (let i = 0; i < 101; i++) answers.push(await limits.send('bot'));
    expect(answers.slice(0, 100).every((answer) => answer === undefined)).toBe(true);
    expect(answers[100]).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: 25 } });
    // Ten leases of ten, then the refused eleventh lease and the refused single token.
    expect(shared.takes).toEqual([...Array(10).fill(10), 10, 1]);
  });

  it('lets concurrent sends of one user share one lease', async () => {
    const shared = recorded(new MemorySharedState());
    const limits = new Limits(config, shared, metrics());
    const answers = await Promise.all(Array.from({ length: 10 }, () => limits.send('bot')));
    expect(answers).toEqual(Array(10).fill(undefined));
    expect(shared.takes).toEqual([10]);
  });

  it('answers one user’s checks in the order they were made, whether each spent a lease, took one or waited for one', async () => {
    const inner = new MemorySharedState();
    // A shared state that answers a turn of the event loop later, as Redis does.
    const slow = Object.assign(Object.create(inner) as SharedState, {
      consume: (name: string, key: string, rate: Rate, cost?: number) =>
        new Promise<RateDecision>((resolve) => setImmediate(() => resolve(inner.consume(name, key, rate, cost)))),
    });
    const limits = new Limits(config, slow, metrics());
    const answered: number[] = [];
    const checks = Array.from({ length: 35 }, (_, i) => limits.send('bot').then(() => answered.push(i)));
    await Promise.all(checks);
    expect(answered).toEqual(Array.from({ length: 35 }, (_, i) => i));
  });

  it('lets a lease’s unspent tokens lapse once the rate would have refilled them', async () => {
    let now = 0;
    const shared = recorded(new MemorySharedState(() => now));
    const limits = new Limits(config, shared, metrics(), undefined, () => now);
    expect(await limits.send('ana')).toBeUndefined();
    now += 249;
    expect(await limits.send('ana')).toBeUndefined();
    now += 1;
    expect(await limits.send('ana')).toBeUndefined();
    expect(shared.takes).toEqual([10, 10]);
  });

  it('falls back to single tokens near the limit, so a lease never refuses what the bucket still holds', async () => {
    const now = 0;
    const inner = new MemorySharedState(() => now);
    const shared = recorded(inner);
    const limits = new Limits(config, shared, metrics(), undefined, () => now);
    // Another node spent 95 of the burst token by token.
    await inner.consume('send', 'ana', { perMinute: 2400, burst: 100 }, 95);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await limits.send('ana'));
    expect(answers.slice(0, 5)).toEqual(Array(5).fill(undefined));
    expect(answers[5]).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('holds across two nodes sharing Redis: together they never spend more than the bucket gave', async () => {
    const keyPrefix = `test:${randomBytes(6).toString('hex')}`;
    prefixes.push(keyPrefix);
    const states = [new RedisSharedState({ url: REDIS_URL, keyPrefix }), new RedisSharedState({ url: REDIS_URL, keyPrefix })];
    try {
      const shared = states.map(recorded);
      const nodes = shared.map((state) => new Limits(config, state, metrics()));
      const started = Date.now();
      let allowed = 0;
      const refused = [false, false];
      // The user's sockets on both nodes send in turn until each node refuses.
      for (let i = 0; !(refused[0] && refused[1]); i++) {
        const n = i % 2;
        if (refused[n]) continue;
        if ((await nodes[n]?.send('ana')) === undefined) allowed++;
        else refused[n] = true;
      }
      const refilled = Math.ceil(((Date.now() - started) / 1000) * 40);
      expect(allowed).toBeLessThanOrEqual(100 + refilled);
      // At most one lease's spare tokens sit unspent on the node that refused first.
      expect(allowed).toBeGreaterThanOrEqual(100 - 9);
      const takes = shared.flatMap((state) => state.takes).length;
      expect(takes).toBeLessThan(allowed / 4);
    } finally {
      for (const state of states) await state.close();
    }
  });
});
