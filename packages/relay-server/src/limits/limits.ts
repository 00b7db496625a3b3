import type { RelayConfig } from '../config.js';
import type { RelayError } from '../errors.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Rate, SharedState } from '../shared/types.js';
import { rateLimited } from './errors.js';

/** Tokens this node took from a shared bucket ahead of use. */
interface Lease {
  tokens: number;
  expiresAt: number;
  /** Set while the lease is being taken, so concurrent checks of one key wait for it instead of taking another. */
  taking?: Promise<unknown>;
}

/** Leases kept at most; the oldest are forgotten first. */
const MAX_LEASES = 10_000;

/**
 * How many tokens a node takes from a shared bucket at once: a quarter of a second of the
 * rate, at most a tenth of the burst. 1 (no lease) for rates too low to gain from it.
 */
export function leaseSize(rate: Rate): number {
  return Math.max(1, Math.min(Math.floor(rate.burst / 10), Math.floor(rate.perMinute / 240)));
}

/**
 * The relay's rate limits, kept in the shared state so they hold across every node. Each
 * check returns the RATE_LIMITED error to answer (and counts it), or nothing when allowed.
 * When the shared state cannot answer (Redis away), the check allows and reports the error:
 * an outage of the limiter must not stop the chat.
 *
 * A key that spends fast (a bot, an integration sending as a user) takes tokens from the
 * shared bucket a lease at a time (`leaseSize`) and spends them on this node without asking
 * the shared state again. Every token spent was taken from the shared bucket, so the limit
 * still holds across nodes; a lease's unspent tokens lapse after the time the rate takes to
 * refill them, so they neither carry a burst past the limit later nor drain the bucket
 * faster than it refills. Near the limit, a refused lease falls back to a single token.
 */
export class Limits {
  readonly #sends: Rate;
  readonly #connects: Rate;
  readonly #logins: Rate;
  readonly #leases = new Map<string, Lease>();

  constructor(
    config: RelayConfig['limits'],
    private readonly shared: SharedState,
    private readonly metrics: RelayMetrics,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.#sends = { perMinute: config.messagesPerMinute, burst: config.messageBurst };
    this.#connects = { perMinute: config.connectAttemptsPerMinutePerIp, burst: config.connectAttemptsPerMinutePerIp };
    this.#logins = { perMinute: config.loginsPerMinutePerIp, burst: config.loginsPerMinutePerIp };
  }

  /** One message from a user. */
  send(userId: string): Promise<RelayError | undefined> {
    return this.#check('send', this.#sends, userId, 'Too many messages');
  }

  /** One WebSocket connection attempt from an IP. */
  connect(ip: string): Promise<RelayError | undefined> {
    return this.#check('connect', this.#connects, ip, 'Too many connection attempts from this address');
  }

  /** One register, login or refresh from an IP. */
  login(ip: string): Promise<RelayError | undefined> {
    return this.#check('login', this.#logins, ip, 'Too many sign-in attempts from this address');
  }

  async #check(limit: string, rate: Rate, key: string, what: string): Promise<RelayError | undefined> {
    const size = leaseSize(rate);
    const id = `${limit}\u0000${key}`;
    let decision: Awaited<ReturnType<SharedState['consume']>>;
    try {
      if (size > 1) {
        for (let lease = this.#leases.get(id); lease?.taking; lease = this.#leases.get(id)) await lease.taking;
        if (this.#spend(id)) return undefined;
        decision = await this.#lease(limit, key, rate, size, id);
        if (decision.ok) return undefined;
      }
      decision = await this.shared.consume(limit, key, rate);
    } catch (error) {
      this.onError(error);
      return undefined;
    }
    if (decision.ok) return undefined;
    this.metrics.rateLimited.inc({ limit });
    return rateLimited(decision.retryAfterMs, what);
  }

  /** Spends a token of this node's lease on `id`, if it holds one that has not lapsed. */
  #spend(id: string): boolean {
    const lease = this.#leases.get(id);
    if (!lease) return false;
    if (lease.tokens < 1 || this.now() >= lease.expiresAt) {
      this.#leases.delete(id);
      return false;
    }
    lease.tokens -= 1;
    return true;
  }

  /** Takes `size` tokens at once; on success one is spent now and the rest kept as the lease. */
  async #lease(limit: string, key: string, rate: Rate, size: number, id: string) {
    const taking = this.shared.consume(limit, key, rate, size);
    this.#leases.delete(id);
    this.#leases.set(id, { tokens: 0, expiresAt: 0, taking: taking.catch(() => {}) });
    if (this.#leases.size > MAX_LEASES) this.#leases.delete(this.#leases.keys().next().value as string);
    try {
      const decision = await taking;
      if (decision.ok) this.#leases.set(id, { tokens: size - 1, expiresAt: this.now() + (size * 60_000) / rate.perMinute });
      else this.#leases.delete(id);
      return decision;
    } catch (error) {
      this.#leases.delete(id);
      throw error;
    }
  }
}
