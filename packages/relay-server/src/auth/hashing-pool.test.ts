import { scryptSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayError } from '../errors.js';
import { HashingPool } from './hashing-pool.js';

/** Hashes asked for in one tick all find the pool as the earlier ones left it: no timing involved. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const salt = Buffer.from('0123456789abcdef');

describe('HashingPool', () => {
  let pool: HashingPool;
  afterEach(() => pool.close());

  it('derives the same key as scrypt does in-process', async () => {
    pool = new HashingPool({ inFlight: 1, queue: 0 });
    const key = await pool.derive('password', salt, 32, { N: 2 ** 10, r: 8, p: 1 });
    expect(key.equals(scryptSync('password', salt, 32, { N: 2 ** 10, r: 8, p: 1 }))).toBe(true);
  });

  it('runs inFlight at once, queues queue more, and refuses the rest at once with AUTH_BUSY', async () => {
    pool = new HashingPool({ inFlight: 2, queue: 1 });
    const outcomes = Array.from({ length: 5 }, (_, i) => pool.derive(`password ${i}`, salt, 32, PARAMS).then(Buffer.isBuffer, (e) => e));
    const settled = await Promise.all(outcomes);
    expect(settled.slice(0, 3)).toEqual([true, true, true]);
    for (const refused of settled.slice(3)) {
      expect(refused).toBeInstanceOf(RelayError);
      expect(refused).toMatchObject({ code: 'AUTH_BUSY', retryable: true, details: { retryAfterMs: expect.any(Number) } });
    }
    // Room again once they finished.
    expect(Buffer.isBuffer(await pool.derive('again', salt, 32, PARAMS))).toBe(true);
  });

  it('fails what waits or runs with SHUTTING_DOWN on close, and refuses afterwards', async () => {
    pool = new HashingPool({ inFlight: 1, queue: 1 });
    const running = pool.derive('a', salt, 32, PARAMS).catch((e: RelayError) => e.code);
    const waiting = pool.derive('b', salt, 32, PARAMS).catch((e: RelayError) => e.code);
    await pool.close();
    expect([await running, await waiting]).toEqual(['SHUTTING_DOWN', 'SHUTTING_DOWN']);
    await expect(pool.derive('c', salt, 32, PARAMS)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });

  it('reports a failing scrypt as an error and keeps serving', async () => {
    pool = new HashingPool({ inFlight: 1, queue: 0 });
    await expect(pool.derive('x', salt, 32, { N: 3, r: 8, p: 1 })).rejects.toThrow(/scrypt failed/);
    expect(Buffer.isBuffer(await pool.derive('y', salt, 32, { N: 2 ** 10, r: 8, p: 1 }))).toBe(true);
  });
});
