import type { RelayConfig } from '../config.js';
import type { RelayError } from '../errors.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { rateLimited } from './errors.js';
import { type RateLimiter, TokenBucketLimiter } from './token-bucket.js';

/** The relay's rate limits. Each check returns the RATE_LIMITED error to answer (and counts it), or nothing when allowed. */
export class Limits {
  readonly #sends: RateLimiter;
  readonly #connects: RateLimiter;
  readonly #logins: RateLimiter;

  constructor(
    config: RelayConfig['limits'],
    private readonly metrics: RelayMetrics,
  ) {
    this.#sends = new TokenBucketLimiter({ perMinute: config.messagesPerMinute, burst: config.messageBurst });
    this.#connects = new TokenBucketLimiter({
      perMinute: config.connectAttemptsPerMinutePerIp,
      burst: config.connectAttemptsPerMinutePerIp,
    });
    this.#logins = new TokenBucketLimiter({ perMinute: config.loginsPerMinutePerIp, burst: config.loginsPerMinutePerIp });
  }

  /** One message from a user. */
  send(userId: string): RelayError | undefined {
    return this.#check('send', this.#sends, userId, 'Too many messages');
  }

  /** One WebSocket connection attempt from an IP. */
  connect(ip: string): RelayError | undefined {
    return this.#check('connect', this.#connects, ip, 'Too many connection attempts from this address');
  }

  /** One register, login or refresh from an IP. */
  login(ip: string): RelayError | undefined {
    return this.#check('login', this.#logins, ip, 'Too many sign-in attempts from this address');
  }

  #check(limit: string, limiter: RateLimiter, key: string, what: string): RelayError | undefined {
    const decision = limiter.consume(key);
    if (decision.ok) return undefined;
    this.metrics.rateLimited.inc({ limit });
    return rateLimited(decision.retryAfterMs, what);
  }
}
