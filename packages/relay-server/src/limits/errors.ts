import { RelayError } from '../errors.js';

/** RATE_LIMITED with the wait in `details.retryAfterMs`; HTTP answers add `Retry-After` from it. */
export function rateLimited(retryAfterMs: number, what: string): RelayError {
  return new RelayError('RATE_LIMITED', `${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, { details: { retryAfterMs } });
}
