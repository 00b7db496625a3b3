import type { GraphError } from '../meta/graph.js';
import type { ChannelError } from '../types.js';

/** A Graph API error body's `error` as one of ours. */
export const graphError = (error: GraphError['error']): ChannelError => whatsappError(error.code, error.message, error.error_data?.details);

/** Cloud API error codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes) to our codes. */
export function whatsappError(code: number, message: string, details?: string): ChannelError {
  const platformCode = String(code);
  const text = details ? `${message}: ${details}` : message;
  const error = (ours: string, retry: ChannelError['retry']): ChannelError => ({ code: ours, platformCode, message: text, retry });
  // The token or the account's permissions are refused (0, 3, 10, 190, 200–299) or the account is locked (131031): nothing can be sent.
  if ((code >= 200 && code < 300) || code === 131031) return error('UNAUTHORIZED', 'hold');
  switch (code) {
    case 4:
    case 80007:
    case 130429:
    case 131048:
      return error('RATE_LIMITED', 'backoff');
    // Too many messages to this one user ("pair rate limit"): theirs to wait out, not the account's.
    case 131056:
      return { ...error('RATE_LIMITED', 'backoff'), scope: 'recipient' };
    // Meta held a marketing message back for this user: "wait at least 24 hours before resending".
    case 131049:
      return { ...error('NOT_DELIVERED', 'after'), retryAfterMs: 24 * 3_600_000, scope: 'recipient' };
    case 131047:
      return error('OUTSIDE_WINDOW', 'never');
    case 0:
    case 3:
    case 10:
    case 190:
      return error('UNAUTHORIZED', 'hold');
    case 131026:
    case 131030:
      return error('INVALID_RECIPIENT', 'never');
    case 1:
    case 2:
    case 131057:
    case 131000:
    case 131016:
    case 133004:
      return error('UNAVAILABLE', 'backoff');
    default:
      return error('BAD_REQUEST', 'never');
  }
}
