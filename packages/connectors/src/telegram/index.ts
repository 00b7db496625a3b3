import { timingSafeEqual } from 'node:crypto';
import { TELEGRAM_REACTIONS } from '@chat4all/protocol';
import { getFile } from '../http.js';
import { refused } from '../refused.js';
import type {
  ChannelError,
  Connector,
  FetchedFile,
  InboundEvent,
  InboundFile,
  OutboundMessage,
  SendResult,
  WebhookRequest,
} from '../types.js';
import { telegramEvents } from './inbound.js';
import { sendTelegram, TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, telegramMessageId } from './outbound.js';
import { type BotApiResult, callBotApi } from './requests.js';
import { ALLOWED_UPDATES, type TelegramMessage, type TelegramUpdate } from './updates.js';

export { telegramError } from './errors.js';
export { TELEGRAM_UPLOAD_LIMITS, TELEGRAM_URL_LIMITS } from './media.js';
export { TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, telegramMessageId } from './outbound.js';
export type { TelegramUpdate } from './updates.js';

/** Telegram's emoji as it documents them, without the U+FE0F variation selector an app's emoji may carry. */
const TELEGRAM_EMOJI = new Set(TELEGRAM_REACTIONS);

export interface TelegramOptions {
  /** The bot token from @BotFather. */
  token: string;
  /** Sent by Telegram in `X-Telegram-Bot-Api-Secret-Token` on every webhook call (set with `setWebhook`). */
  secretToken?: string;
  /** @default 'https://api.telegram.org' */
  baseUrl?: string;
  fetch?: typeof fetch;
  /**
   * `webhook`: Telegram posts updates to the relay (`register` sets the webhook). `polling`:
   * `listen` long-polls `getUpdates`, for development without a public URL (one poller per bot:
   * Telegram serves one `getUpdates` caller at a time). @default 'webhook'
   */
  mode?: 'webhook' | 'polling';
}

/** Waits between failed `getUpdates` rounds: doubling from 0.5 s with full jitter, at most 30 s. */
function pollBackoff(failures: number): number {
  return Math.random() * Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
}

/**
 * Telegram Bot API (https://core.telegram.org/bots/api): `sendMessage`, `sendPhoto` and
 * `sendDocument` out; `Update`s in, by webhook (`setWebhook` with a `secret_token`) or by
 * `getUpdates` long polling when there is no public URL.
 */
export class TelegramConnector implements Connector {
  readonly channel = 'telegram';
  readonly #fetch: typeof fetch;
  readonly #base: string;
  readonly #root: string;

  constructor(private readonly options: TelegramOptions) {
    this.#fetch = options.fetch ?? fetch;
    this.#root = (options.baseUrl ?? 'https://api.telegram.org').replace(/\/$/, '');
    this.#base = `${this.#root}/bot${options.token}`;
  }

  send(message: OutboundMessage): Promise<SendResult> {
    return sendTelegram(this.call.bind(this), message);
  }

  /** A file a user sent: `getFile` gives its path, downloaded from `/file/bot<token>/<path>` (files up to 20 MB). */
  async fetchFile(file: InboundFile): Promise<FetchedFile> {
    const found = await this.call<{ file_path?: string; file_size?: number }>('getFile', { file_id: file.platformFileId });
    if (!found.ok) return found;
    if (!found.value.file_path) return refused('FILE_UNAVAILABLE', 'Telegram gave no path for the file (over 20 MB?)');
    return getFile(
      this.#fetch,
      `${this.#root}/file/bot${this.options.token}/${found.value.file_path}`,
      {},
      { type: file.type, name: file.name },
    );
  }

  /** `sendChatAction` with `typing`: shown for 5 s or until the next message (https://core.telegram.org/bots/api#sendchataction). Bots cannot stop it or mark messages read. */
  async typing(recipientId: string, active: boolean): Promise<SendResult> {
    if (!active) return { ok: true, externalId: '' };
    const result = await this.call<boolean>('sendChatAction', { chat_id: recipientId, action: 'typing' });
    return result.ok ? { ok: true, externalId: '' } : result;
  }

  /**
   * `setMessageReaction` (https://core.telegram.org/bots/api#setmessagereaction): a bot sets
   * at most one reaction, from Telegram's emoji; an empty list takes it back.
   */
  async react(recipientId: string, externalId: string, key: string | null): Promise<SendResult> {
    const messageId = telegramMessageId(externalId);
    if (messageId === null) return refused('BAD_REQUEST', `${externalId} is not a Telegram message id`);
    const emoji = key?.replaceAll('\uFE0F', '') ?? null;
    if (emoji !== null && !TELEGRAM_EMOJI.has(emoji)) return refused('REACTION_UNSUPPORTED', `Telegram bots cannot react with ${key}`);
    const reaction = emoji === null ? [] : [{ type: 'emoji', emoji }];
    const result = await this.call<boolean>('setMessageReaction', { chat_id: recipientId, message_id: messageId, reaction });
    return result.ok ? { ok: true, externalId } : result;
  }

  /**
   * `editMessageText`, or `editMessageCaption` for a file (https://core.telegram.org/bots/api#editmessagetext).
   * A message that went as several parts is edited only while the new text still fits the
   * first: Telegram cannot add parts to a message.
   */
  async edit(recipientId: string, sent: { parts: readonly string[]; file: boolean }, text: string): Promise<SendResult> {
    const [first] = sent.parts;
    const messageId = telegramMessageId(first);
    if (messageId === null) return refused('BAD_REQUEST', 'The message has no Telegram id to edit');
    const limit = sent.file ? TELEGRAM_CAPTION_LIMIT : TELEGRAM_TEXT_LIMIT;
    if (sent.parts.length > 1 || text.length > limit)
      return refused('EDIT_UNSUPPORTED', 'Telegram cannot edit a message sent in several parts, or make one longer than a part');
    const result = sent.file
      ? await this.call<TelegramMessage>('editMessageCaption', { chat_id: recipientId, message_id: messageId, caption: text })
      : await this.call<TelegramMessage>('editMessageText', { chat_id: recipientId, message_id: messageId, text });
    // The same text again is no change to make.
    if (!result.ok && /message is not modified/i.test(result.error.message)) return { ok: true, externalId: first as string };
    return result.ok ? { ok: true, externalId: first as string } : result;
  }

  /** `deleteMessages` (https://core.telegram.org/bots/api#deletemessages): every part at once; Telegram deletes only messages under 48 hours old. */
  async delete(recipientId: string, parts: readonly string[]): Promise<SendResult> {
    const ids = parts.map(telegramMessageId).filter((id): id is number => id !== null);
    if (ids.length === 0) return refused('BAD_REQUEST', 'The message has no Telegram id to delete');
    const result = await this.call<boolean>('deleteMessages', { chat_id: recipientId, message_ids: ids.slice(0, 100) });
    return result.ok ? { ok: true, externalId: parts[0] as string } : result;
  }

  /** `answerCallbackQuery`: a button press is answered, or the user's app shows a progress bar until it times out. */
  async acknowledge(token: string): Promise<SendResult> {
    const result = await this.call<boolean>('answerCallbackQuery', { callback_query_id: token });
    return result.ok ? { ok: true, externalId: '' } : result;
  }

  /** Group and supergroup chat ids are negative (Bot API, `Chat.id`). */
  isGroup(recipientId: string): boolean {
    return recipientId.startsWith('-');
  }

  verifyWebhook(request: WebhookRequest): boolean {
    const expected = this.options.secretToken;
    const given = request.headers['x-telegram-bot-api-secret-token'];
    if (!expected || typeof given !== 'string') return false;
    const [a, b] = [Buffer.from(given), Buffer.from(expected)];
    return a.length === b.length && timingSafeEqual(a, b);
  }

  parseWebhook(body: unknown): InboundEvent[] {
    return telegramEvents(body);
  }

  /** In webhook mode, points Telegram at the relay (`setWebhook`); in polling mode there is nothing to point. */
  register(webhookUrl: string): Promise<SendResult> {
    return this.options.mode === 'polling' ? Promise.resolve({ ok: true, externalId: '' }) : this.setWebhook(webhookUrl);
  }

  /**
   * Polling mode: `getUpdates` in a loop, each batch handed to `sink` before the offset moves
   * past it, so a batch the relay could not take is asked for again; failures back off.
   */
  listen(sink: (events: InboundEvent[]) => Promise<unknown>): () => void {
    if (this.options.mode !== 'polling') return () => {};
    const controller = new AbortController();
    void (async () => {
      let offset = 0;
      let failures = 0;
      while (!controller.signal.aborted) {
        const result = await this.poll(offset, 25, controller.signal);
        if (controller.signal.aborted) return;
        try {
          if ('error' in result) throw new Error(result.error.message);
          await sink(result.events);
          offset = result.nextOffset;
          failures = 0;
        } catch {
          failures++;
          await new Promise((resolve) => setTimeout(resolve, pollBackoff(failures)).unref());
        }
      }
    })();
    return () => controller.abort();
  }

  /** Points Telegram at the relay's webhook URL, with the secret it will send back. */
  async setWebhook(url: string): Promise<SendResult> {
    const result = await this.call<boolean>('setWebhook', {
      url,
      secret_token: this.options.secretToken,
      allowed_updates: ALLOWED_UPDATES,
    });
    return result.ok ? { ok: true, externalId: '' } : result;
  }

  /**
   * Long polling, for development without a public URL: the updates after `offset` (waiting
   * up to `timeoutS` for one), as events, and the offset to ask from next time.
   */
  async poll(
    offset: number,
    timeoutS = 25,
    signal?: AbortSignal,
  ): Promise<{ events: InboundEvent[]; nextOffset: number } | { error: ChannelError }> {
    const result = await this.call<TelegramUpdate[]>('getUpdates', { offset, timeout: timeoutS, allowed_updates: ALLOWED_UPDATES }, signal);
    if (!result.ok) return { error: result.error };
    const updates = result.value;
    const nextOffset = updates.reduce((next, update) => Math.max(next, update.update_id + 1), offset);
    // An update that is not a documented message is passed over, so it cannot stop polling.
    const events = updates.flatMap((update) => {
      try {
        return this.parseWebhook(update);
      } catch {
        return [];
      }
    });
    return { events, nextOffset };
  }

  /** One Bot API call; the platform's error body becomes a ChannelError with a retry decision. */
  call<T>(method: string, body: Record<string, unknown> | FormData, signal?: AbortSignal): Promise<BotApiResult<T>> {
    return callBotApi<T>(this.#fetch, this.#base, method, body, signal);
  }
}
