import { Chat4AllError, hintedWait } from '../errors.js';

/** Resumes asked on one socket before it is given up and reopened. */
const RESUME_ATTEMPTS = 5;

/**
 * Asks for a resume on a new socket. One the relay rate-limits is asked again on the same
 * socket after its `retryAfterMs`, rather than by reconnecting (which would count as another).
 */
export async function resumeOnSocket(request: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await request();
      return;
    } catch (error) {
      const limited = error instanceof Chat4AllError && error.code === 'RATE_LIMITED';
      const wait = limited ? Math.min(60_000, hintedWait(error) ?? 1000) : undefined;
      if (wait === undefined || attempt >= RESUME_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
