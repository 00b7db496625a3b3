import type { RelayConfig } from '../config.js';
import type { RelayError } from '../errors.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Rate, SharedState } from '../shared/types.js';
import { rateLimited } from './errors.js';

/**
 * The relay's rate limits, kept in the shared state so they hold across every node. Each
 * check returns the RATE_LIMITED error to answer (and counts it), or nothing when allowed.
 * When the shared state cannot answer (Redis away), the check allows and reports the error:
 * an outage of the limiter must not stop the chat.
 */
export class Limits {
  readonly #sends: Rate;
  readonly #connects: Rate;
  readonly #logins: Rate;

  constructor(
    config: RelayConfig['limits'],
    private readonly shared: SharedState,
    private readonly metrics: RelayMetrics,
    private readonly onError: (error: unknown) => void = () => {},
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
    let decision: Awaited<ReturnType<SharedState['consume']>>;
    try {
      decision = await this.shared.consume(limit, key, rate);
    } catch (error) {
      this.onError(error);
      return undefined;
    }
    if (decision.ok) return undefined;
    this.metrics.rateLimited.inc({ limit });
    return rateLimited(decision.retryAfterMs, what);
  }
}
