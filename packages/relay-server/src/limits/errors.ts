import type { Principal } from '../auth/tokens.js';
import { RelayError } from '../errors.js';

/** RATE_LIMITED with the wait in `details.retryAfterMs`; HTTP answers add `Retry-After` from it. */
export function rateLimited(retryAfterMs: number, what: string): RelayError {
  return new RelayError('RATE_LIMITED', `${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, { details: { retryAfterMs } });
}

/** METADATA_TOO_LARGE when an object's JSON is longer than `max` bytes (messages, conversations and users share the limit). */
export function checkMetadataSize(metadata: Record<string, unknown> | undefined, max: number): void {
  if (metadata === undefined) return;
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > max) throw new RelayError('METADATA_TOO_LARGE', `Metadata is ${size} bytes; the limit is ${max}`);
}

/** Throws the refusal a per-user limit answers; the server API key is not limited. */
export async function enforceUserLimit(principal: Principal, check: (userId: string) => Promise<RelayError | undefined>): Promise<void> {
  const refusal = principal.kind === 'user' ? await check(principal.userId) : undefined;
  if (refusal) throw refusal;
}
