import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './token-bucket.js';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills smoothly at the configured rate', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perMinute: 60, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.consume('ana').ok)).toEqual([true, true, true]);
    expect(limiter.consume('ana')).toEqual({ ok: false, retryAfterMs: 1000 });
    now += 500;
    expect(limiter.consume('ana')).toEqual({ ok: false, retryAfterMs: 500 });
    now += 500;
    expect(limiter.consume('ana')).toEqual({ ok: true });
    now += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.consume('ana').ok)).toEqual([true, true, true, false]);
  });

  it('keeps keys apart and forgets the stalest beyond its size', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ perMinute: 1, burst: 1, maxKeys: 2 }, () => now);
    expect(limiter.consume('a').ok).toBe(true);
    expect(limiter.consume('b').ok).toBe(true);
    expect(limiter.consume('a').ok).toBe(false);
    expect(limiter.consume('c').ok).toBe(true);
    // "b" was the stalest and was forgotten, so it starts full again.
    expect(limiter.consume('b').ok).toBe(true);
  });
});
