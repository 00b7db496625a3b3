import { postForm, postJson } from '../http.js';
import type { ChannelError } from '../types.js';
import { telegramError } from './errors.js';
import type { TelegramMessage } from './updates.js';

/** The Telegram Bot API's answer: `{ ok: true, result }` or `{ ok: false, error_code, description, parameters }`. */
type ApiResponse<T> =
  | { ok: true; result: T }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };

/** A Bot API call's outcome; `migrateTo` is the new chat id of a group upgraded to a supergroup. */
export type BotApiResult<T> = { ok: true; value: T } | { ok: false; error: ChannelError; migrateTo?: string };

/** One Bot API call, as the connector makes it. */
export type BotApiCall = <T>(method: string, body: Record<string, unknown> | FormData, signal?: AbortSignal) => Promise<BotApiResult<T>>;

/**
 * One Bot API call (`<base>/<method>`, JSON or multipart); the platform's error body becomes
 * a ChannelError with a retry decision.
 */
export async function callBotApi<T>(
  fetcher: typeof fetch,
  base: string,
  method: string,
  body: Record<string, unknown> | FormData,
  signal?: AbortSignal,
): Promise<BotApiResult<T>> {
  const url = `${base}/${method}`;
  const answer = body instanceof FormData ? await postForm(fetcher, url, body) : await postJson(fetcher, url, body, {}, signal);
  if (!answer.ok) return answer;
  const parsed = answer.body as ApiResponse<T> | null;
  if (!parsed) {
    const retry = answer.status >= 500 ? 'backoff' : 'never';
    const message = `Telegram answered ${answer.status} without JSON`;
    return { ok: false, error: { code: 'UNAVAILABLE', platformCode: String(answer.status), message, retry } };
  }
  if (parsed.ok) return { ok: true, value: parsed.result };
  const migrateTo = parsed.parameters?.migrate_to_chat_id;
  return { ok: false, error: telegramError(parsed), ...(migrateTo !== undefined ? { migrateTo: String(migrateTo) } : {}) };
}

/** A sent message's id as the connector keeps it: `<chat id>:<message id>` (message ids are per chat). */
export function sentMessage(result: BotApiResult<TelegramMessage>): { ok: true; id: string } | { ok: false; error: ChannelError } {
  if (!result.ok) return result;
  const message = result.value;
  return { ok: true, id: `${message.chat.id}:${message.message_id}` };
}
