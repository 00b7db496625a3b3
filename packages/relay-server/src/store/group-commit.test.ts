import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

const unavailable = Object.assign(new Error('connection lost'), { code: 'ECONNRESET' });

describe('GroupCommit', () => {
  it('commits what arrives together in one batch', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit(
      async (batch: number[]) => {
        batches.push(batch);
        return batch.map((n) => n * 2);
      },
      { maxBatch: 10 },
    );
    expect(await Promise.all([1, 2, 3].map((n) => commit.submit(n)))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('retries a refused batch one by one, in order, so only the input the store refuses fails', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit(
      async (batch: number[]) => {
        batches.push(batch);
        if (batch.includes(13)) throw new Error('refused');
        return batch;
      },
      { maxBatch: 10, isolates: (error) => (error as { code?: string }).code !== 'ECONNRESET' },
    );
    const outcomes = await Promise.allSettled([11, 12, 13, 14].map((n) => commit.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[11, 12, 13, 14], [11], [12], [13], [14]]);
  });

  it('fails the whole batch at once when the store is unreachable, and stops isolating when it goes away midway', async () => {
    let calls = 0;
    const commit = new GroupCommit(
      async (batch: number[]) => {
        calls++;
        if (calls === 1) throw new Error('refused');
        if (calls === 3) throw unavailable;
        return batch;
      },
      { maxBatch: 10, isolates: (error) => error !== unavailable },
    );
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => commit.submit(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(calls).toBe(3);
    calls = 10;
    const down = new GroupCommit(async () => Promise.reject(unavailable), { maxBatch: 10, isolates: (error) => error !== unavailable });
    const all = await Promise.allSettled([1, 2].map((n) => down.submit(n)));
    expect(all.every((o) => o.status === 'rejected')).toBe(true);
  });
});
