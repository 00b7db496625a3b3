import type { RelayConfig } from '../config.js';
import type { RelayError } from '../errors.js';
import { addressKey } from '../http/client-address.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Rate, SharedState } from '../shared/types.js';
import { rateLimited } from './errors.js';

/** Tokens this node took from a shared bucket ahead of use. */
interface Lease {
  tokens: number;
  expiresAt: number;
}

/** Writes other than sends, and searches (costly reads), each limited per user per minute (see `config.limits`). */
export type WriteKind =
  | 'edit'
  | 'reaction'
  | 'pin'
  | 'typing'
  | 'receipt'
  | 'resume'
  | 'renewal'
  | 'conversation'
  | 'member'
  | 'upload'
  | 'settings'
  | 'device'
  | 'search'
  | 'presence'
  | 'privacy'
  | 'block'
  | 'report';

const WRITE_LIMITS: Record<WriteKind, { key: keyof RelayConfig['limits']; what: string }> = {
  edit: { key: 'editsPerMinute', what: 'Too many edits and deletes' },
  reaction: { key: 'reactionsPerMinute', what: 'Too many reactions' },
  pin: { key: 'pinsPerMinute', what: 'Too many pins and unpins' },
  typing: { key: 'typingPerMinute', what: 'Too many typing updates' },
  receipt: { key: 'receiptsPerMinute', what: 'Too many receipts' },
  resume: { key: 'resumesPerMinute', what: 'Too many resumes' },
  renewal: { key: 'renewalsPerMinute', what: 'Too many token renewals' },
  conversation: { key: 'conversationsPerMinute', what: 'Too many conversations created or changed' },
  member: { key: 'memberChangesPerMinute', what: 'Too many membership changes' },
  upload: { key: 'uploadsPerMinute', what: 'Too many uploads started' },
  settings: { key: 'settingsPerMinute', what: 'Too many settings changes' },
  device: { key: 'devicesPerMinute', what: 'Too many push device registrations and removals' },
  search: { key: 'searchesPerMinute', what: 'Too many searches' },
  presence: { key: 'presenceSubscriptionsPerMinute', what: 'Too many presence subscriptions' },
  privacy: { key: 'privacyRequestsPerMinute', what: 'Too many data exports and erasures' },
  block: { key: 'blocksPerMinute', what: 'Too many blocks and unblocks' },
  report: { key: 'reportsPerMinute', what: 'Too many reports' },
};

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
  readonly #accountLogins: Rate;
  readonly #writes: Record<WriteKind, Rate>;
  readonly #uploadBytes: Rate;
  readonly #leases = new Map<string, Lease>();
  /** Per leased key, the last check not yet answered. */
  readonly #pending = new Map<string, Promise<RelayError | undefined>>();

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
    this.#accountLogins = { perMinute: config.loginsPerMinutePerAccount, burst: config.loginsPerMinutePerAccount };
    // A write limit's whole minute may be spent at once: bursts are how people edit and read.
    this.#writes = Object.fromEntries(
      Object.entries(WRITE_LIMITS).map(([kind, { key }]) => [kind, { perMinute: config[key] as number, burst: config[key] as number }]),
    ) as Record<WriteKind, Rate>;
    // A day's bytes at once, refilled evenly over the day.
    this.#uploadBytes = { perMinute: config.uploadBytesPerDay / 1440, burst: config.uploadBytesPerDay };
  }

  /**
   * `count` writes of one kind by a user (members added in one call count one each). A call
   * worth more than the whole allowance takes all of it rather than never fitting.
   */
  write(kind: WriteKind, userId: string, count = 1): Promise<RelayError | undefined> {
    const { what } = WRITE_LIMITS[kind];
    const rate = this.#writes[kind];
    if (count === 1) return this.#check(kind, rate, userId, what);
    return this.#take(kind, rate, userId, what, Math.min(count, rate.burst));
  }

  /** The bytes of a new upload, against the user's daily allowance. */
  uploadBytes(userId: string, bytes: number): Promise<RelayError | undefined> {
    if (bytes > this.#uploadBytes.burst)
      return Promise.resolve(
        rateLimited(24 * 3600_000, `The file is larger than the ${this.#uploadBytes.burst} bytes a user may upload per day`),
      );
    return this.#take('upload_bytes', this.#uploadBytes, userId, 'Too many bytes uploaded today', bytes);
  }

  /** One message from a user. */
  send(userId: string): Promise<RelayError | undefined> {
    return this.#check('send', this.#sends, userId, 'Too many messages');
  }

  /** One WebSocket connection attempt from an address (an IPv6 /64). */
  connect(ip: string): Promise<RelayError | undefined> {
    return this.#check('connect', this.#connects, addressKey(ip), 'Too many connection attempts from this address');
  }

  /** One register, login or refresh from an address (an IPv6 /64). */
  login(ip: string): Promise<RelayError | undefined> {
    return this.#check('login', this.#logins, addressKey(ip), 'Too many sign-in attempts from this address');
  }

  /**
   * One login to an account, from any address: password guessing spread over many
   * addresses. Keyed by the username as the store matches it (case-insensitive).
   */
  accountLogin(username: string): Promise<RelayError | undefined> {
    const key = username.normalize('NFKC').toLowerCase();
    return this.#check('login_account', this.#accountLogins, key, 'Too many sign-in attempts for this account');
  }

  /**
   * Checks of one leased key are answered in the order they were made, so a client's sends
   * reach the commit in the order they arrived whichever took a lease and whichever spent
   * one: each waits for the check before it.
   */
  #check(limit: string, rate: Rate, key: string, what: string): Promise<RelayError | undefined> {
    const size = leaseSize(rate);
    if (size <= 1) return this.#take(limit, rate, key, what);
    const id = `${limit}\u0000${key}`;
    const previous = this.#pending.get(id);
    if (!previous && this.#spend(id)) return Promise.resolve(undefined);
    // Never rejects: a failing shared state allows (see #leased and #take).
    const answer = previous
      ? previous.then(() => this.#leased(limit, rate, key, what, size, id))
      : this.#leased(limit, rate, key, what, size, id);
    this.#pending.set(id, answer);
    void answer.then(() => {
      if (this.#pending.get(id) === answer) this.#pending.delete(id);
    });
    return answer;
  }

  /** Spends from the lease, else takes a new one, else (near the limit) a single token. */
  async #leased(limit: string, rate: Rate, key: string, what: string, size: number, id: string): Promise<RelayError | undefined> {
    if (this.#spend(id)) return undefined;
    try {
      const decision = await this.shared.consume(limit, key, rate, size);
      if (decision.ok) {
        this.#leases.delete(id);
        this.#leases.set(id, { tokens: size - 1, expiresAt: this.now() + (size * 60_000) / rate.perMinute });
        if (this.#leases.size > MAX_LEASES) this.#leases.delete(this.#leases.keys().next().value as string);
        return undefined;
      }
    } catch (error) {
      this.onError(error);
      return undefined;
    }
    return this.#take(limit, rate, key, what);
  }

  /** Takes `cost` tokens (one by default) from the shared bucket. */
  async #take(limit: string, rate: Rate, key: string, what: string, cost = 1): Promise<RelayError | undefined> {
    let decision: Awaited<ReturnType<SharedState['consume']>>;
    try {
      decision = await this.shared.consume(limit, key, rate, cost);
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
}
