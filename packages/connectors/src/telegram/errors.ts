import type { ChannelError } from '../types.js';

/** Telegram's errors (Bot API: error_code is an HTTP status; 429 carries `parameters.retry_after`). */
export function telegramError(body: { error_code: number; description: string; parameters?: { retry_after?: number } }): ChannelError {
  const { error_code: status, description } = body;
  const platformCode = String(status);
  if (status === 429) {
    const seconds = body.parameters?.retry_after ?? 1;
    return { code: 'RATE_LIMITED', platformCode, message: description, retry: 'after', retryAfterMs: seconds * 1000 };
  }
  if (status >= 500) return { code: 'UNAVAILABLE', platformCode, message: description, retry: 'backoff' };
  // The bot token itself is refused: nothing can be sent until it is fixed.
  if (status === 401) return { code: 'UNAUTHORIZED', platformCode, message: description, retry: 'hold' };
  if (status === 403) return { code: 'RECIPIENT_BLOCKED', platformCode, message: description, retry: 'never' };
  if (/chat not found|user not found|PEER_ID_INVALID/i.test(description))
    return { code: 'INVALID_RECIPIENT', platformCode, message: description, retry: 'never' };
  return { code: 'BAD_REQUEST', platformCode, message: description, retry: 'never' };
}
