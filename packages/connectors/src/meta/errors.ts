import type { ChannelError } from '../types.js';

/**
 * Send API errors (https://developers.facebook.com/docs/messenger-platform/reference/send-api/error-codes)
 * to our codes: rate limits and temporary failures retried, the 24-hour window, blocked or
 * unknown recipients and bad tokens final.
 */
export function metaSendError(code: number, subcode: number | undefined, message: string): ChannelError {
  const platformCode = subcode ? `${code}/${subcode}` : String(code);
  const error = (ours: string, retry: ChannelError['retry']): ChannelError => ({ code: ours, platformCode, message, retry });
  if (code === 10 && (subcode === 2018278 || subcode === 2534022)) return error('OUTSIDE_WINDOW', 'never');
  if (subcode === 2018109) return error('FILE_TOO_LARGE', 'never');
  if (subcode === 2018108) return error('RECIPIENT_BLOCKED', 'never');
  if (code === 4 || code === 613 || code === 32 || code === 17 || code === 341) return error('RATE_LIMITED', 'backoff');
  if (code === 1200 || code === 1 || code === 2) return error('UNAVAILABLE', 'backoff');
  // The Page or account token itself is refused: nothing can be sent until it is fixed.
  if (code === 190 || ((code === 10 || (code >= 200 && code < 300)) && subcode === undefined)) return error('UNAUTHORIZED', 'hold');
  if (code === 551 || (code === 200 && subcode === 1545041)) return error('RECIPIENT_BLOCKED', 'never');
  if (code === 100 && subcode === 2018001) return error('INVALID_RECIPIENT', 'never');
  return error('BAD_REQUEST', 'never');
}
