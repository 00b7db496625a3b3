import { fullJitterGenerator } from 'cockatiel';

/** How many attempts a job gets, and the backoff between them. */
export interface AttemptPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Why an attempt did not succeed, as kept on the record: our code, the far side's, and its words. */
export interface AttemptError {
  code: string;
  platformCode: string | null;
  message: string;
}

/** What the machine reads of a record: where it is, how many attempts it took, and its last history entry. */
export interface AttemptState {
  status: 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
  attempts: number;
  dead: boolean;
  history: ReadonlyArray<{ status: string }>;
}

/**
 * What happened to a job. `attempt` (the second argument of `nextAttempt`) is the attempt
 * count the worker holds: before taking for `throttled` and `taken`, after taking for the rest.
 */
export type AttemptEvent =
  /** Over a rate: due again after the wait, no attempt spent. */
  | { type: 'throttled'; waitMs: number }
  /** A worker takes the attempt, leased for `leaseMs`. */
  | { type: 'taken'; leaseMs: number }
  /** The far side took it. */
  | { type: 'sent' }
  /** Refused for good (a bad request, no route): failed, not retried. */
  | { type: 'refused'; error: AttemptError }
  /** A failure worth another try: retried after the backoff (or the far side's `retryAfterMs`), dead-lettered after the last attempt. */
  | { type: 'failed'; error: AttemptError; retryAfterMs?: number }
  /** The circuit was open, so the far side was not called: the attempt is given back. */
  | { type: 'circuit-open'; waitMs: number; error: AttemptError }
  /**
   * The account is on hold: waits, looked at again after `recheckMs`. `reached` says the far
   * side was called (its refusal of the credentials put the account on hold): that attempt is given back.
   */
  | { type: 'held'; recheckMs: number; reached: boolean; error: AttemptError | null }
  /** An operator sends a dead letter again, from the first attempt. */
  | { type: 'replayed' }
  /** An operator drops a dead letter: it stays failed. */
  | { type: 'discarded' };

/** The change an event makes: the fields to set and the history entry to add. */
export interface AttemptChange {
  status?: 'pending' | 'sent' | 'failed';
  attempts?: number;
  nextAttemptAt?: number | null;
  dead?: boolean;
  error?: AttemptError | null;
  history?: { status: 'sent' | 'failed' | 'retrying' | 'held' | 'dead-lettered' | 'replayed'; at: number; code?: string };
}

/** Still pending after exactly `attempt` attempts: the work of whoever holds that attempt. */
export function takeable(state: AttemptState, attempt: number): boolean {
  return state.status === 'pending' && !state.dead && state.attempts === attempt;
}

/** The retry delay after `attempt` failed attempts: full jitter, random in [0, min(maxDelayMs, baseDelayMs × 2^(attempt-1))). */
export function backoffDelay(attempt: number, options: { baseDelayMs: number; maxDelayMs: number }): number {
  const [delay] = fullJitterGenerator(Math.max(0, attempt - 1), {
    generator: fullJitterGenerator,
    initialDelay: options.baseDelayMs,
    maxDelay: options.maxDelayMs,
    exponent: 2,
  });
  return delay;
}

/**
 * The one transition function of every job retried by the relay (channel deliveries, app
 * webhook calls): the record as it is, the attempt the worker holds, what happened, the
 * policy and the time give the change to store, or null when the event is not the holder's
 * to apply (another worker moved the record on) and nothing changes.
 */
export function nextAttempt(
  state: AttemptState,
  attempt: number,
  event: AttemptEvent,
  policy: AttemptPolicy,
  now: number,
): AttemptChange | null {
  switch (event.type) {
    case 'replayed':
      return state.dead
        ? { dead: false, status: 'pending', attempts: 0, nextAttemptAt: now, history: { status: 'replayed', at: now } }
        : null;
    case 'discarded':
      return state.dead ? { dead: false } : null;
    default:
      break;
  }
  if (!takeable(state, attempt)) return null;
  switch (event.type) {
    case 'throttled':
      return { nextAttemptAt: now + event.waitMs };
    case 'taken':
      return { attempts: attempt + 1, nextAttemptAt: now + event.leaseMs };
    case 'sent':
      return { status: 'sent', error: null, nextAttemptAt: null, history: { status: 'sent', at: now } };
    case 'refused':
      return { status: 'failed', error: event.error, nextAttemptAt: null, history: { status: 'failed', at: now, code: event.error.code } };
    case 'failed': {
      const { error } = event;
      if (attempt >= policy.maxAttempts)
        return {
          status: 'failed',
          dead: true,
          error,
          nextAttemptAt: null,
          history: { status: 'dead-lettered', at: now, code: error.code },
        };
      const wait = event.retryAfterMs ?? backoffDelay(attempt, policy);
      return { error, nextAttemptAt: now + wait, history: { status: 'retrying', at: now, code: error.code } };
    }
    case 'circuit-open':
      return { attempts: attempt - 1, nextAttemptAt: now + event.waitMs, error: event.error };
    case 'held': {
      const code = event.error?.code ?? 'CHANNEL_HELD';
      return {
        attempts: event.reached ? attempt - 1 : attempt,
        nextAttemptAt: now + event.recheckMs,
        ...(event.error ? { error: event.error } : {}),
        // Once per hold: a delivery looked at again while still held adds nothing.
        ...(state.history.at(-1)?.status === 'held' ? {} : { history: { status: 'held' as const, at: now, code } }),
      };
    }
  }
}
