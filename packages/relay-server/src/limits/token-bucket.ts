/** The answer of a rate limiter: allowed, or how long until it would be. */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** A limit by key (a user, an IP). */
export interface RateLimiter {
  consume(key: string, cost?: number): RateDecision;
}

export interface TokenBucketOptions {
  /** Tokens added per minute. */
  perMinute: number;
  /** Most tokens a key can hold: the largest burst. */
  burst: number;
  /** Keys kept at most; the least recently refilled are forgotten first (they are full anyway). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token bucket per key: smooth refill with bounded bursts. Written here rather than taken
 * from a library because the common Node limiters (rate-limiter-flexible, express-rate-limit)
 * count fixed windows, which allow twice the rate across a window boundary and make a
 * limited client wait for the whole window. `RedisSharedState` runs the same arithmetic in
 * a Lua script so the limit holds across nodes.
 */
export class TokenBucketLimiter implements RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #ratePerMs: number;

  constructor(
    private readonly options: TokenBucketOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.#ratePerMs = options.perMinute / 60_000;
  }

  consume(key: string, cost = 1): RateDecision {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.options.burst, at: now };
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) * this.#ratePerMs);
    bucket.at = now;
    // Re-inserting keeps the map in refill order, so eviction drops the stalest key.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > (this.options.maxKeys ?? 100_000)) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((cost - bucket.tokens) / this.#ratePerMs) };
  }
}
