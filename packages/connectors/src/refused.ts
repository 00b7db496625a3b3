import type { ChannelError } from './types.js';

/** A send the connector refuses before calling the platform (too large, no link, nothing to edit): final, never retried. */
export function refused(code: string, message: string): { ok: false; error: ChannelError } {
  return { ok: false, error: { code, platformCode: null, message, retry: 'never' } };
}
