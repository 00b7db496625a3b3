import { timingSafeEqual } from 'node:crypto';
import { CHANNEL_CAPABILITIES, contentText, type MessageContent, TELEGRAM_REACTIONS } from '@chat4all/protocol';
import { getFile, postForm, postJson } from '../http.js';
import { sendPartsOf } from '../parts.js';
import { splitText } from '../text.js';
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

/** The Telegram Bot API's answer: `{ ok: true, result }` or `{ ok: false, error_code, description, parameters }`. */
type ApiResponse<T> =
  | { ok: true; result: T }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };

interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

type TelegramFile = { file_id: string; file_unique_id?: string; file_name?: string; mime_type?: string; file_size?: number };

/** The Message fields read here (https://core.telegram.org/bots/api#message). */
interface TelegramMessage {
  message_id: number;
  from?: TelegramUser;
  chat: { id: number; type: string; title?: string; username?: string; first_name?: string; last_name?: string };
  date: number;
  edit_date?: number;
  text?: string;
  caption?: string;
  photo?: Array<{ file_id: string; file_unique_id: string; width: number; height: number; file_size?: number }>;
  document?: TelegramFile;
  animation?: TelegramFile;
  video?: TelegramFile;
  audio?: TelegramFile & { title?: string; performer?: string };
  voice?: TelegramFile;
  video_note?: TelegramFile;
  sticker?: TelegramFile & { is_animated?: boolean; is_video?: boolean; emoji?: string };
  location?: { latitude: number; longitude: number };
  venue?: { location: { latitude: number; longitude: number }; title: string; address: string };
  contact?: { phone_number: string; first_name: string; last_name?: string };
  reply_to_message?: { message_id: number };
  /** Inline keyboard buttons, on a message with a keyboard (https://core.telegram.org/bots/api#inlinekeyboardmarkup). */
  reply_markup?: { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> };
}

/** ReactionType (https://core.telegram.org/bots/api#reactiontype). */
type TelegramReaction = { type: 'emoji'; emoji: string } | { type: 'custom_emoji'; custom_emoji_id: string } | { type: 'paid' };

/** MessageReactionUpdated (https://core.telegram.org/bots/api#messagereactionupdated). */
interface TelegramReactionUpdate {
  chat: TelegramMessage['chat'];
  message_id: number;
  user?: TelegramUser;
  actor_chat?: TelegramMessage['chat'];
  date: number;
  old_reaction: TelegramReaction[];
  new_reaction: TelegramReaction[];
}

/** CallbackQuery (https://core.telegram.org/bots/api#callbackquery): a press of an inline keyboard button. */
interface TelegramCallbackQuery {
  id: string;
  from: TelegramUser;
  message?: TelegramMessage;
  data?: string;
}

/** An Update (https://core.telegram.org/bots/api#update): at most one of its optional fields is present. */
export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
  message_reaction?: TelegramReactionUpdate;
  callback_query?: TelegramCallbackQuery;
}

/**
 * The updates the relay asks Telegram for: new messages, their edits, reactions (which
 * Telegram sends only where the bot is an administrator) and button presses.
 */
const ALLOWED_UPDATES = ['message', 'edited_message', 'message_reaction', 'callback_query'];

/** Telegram's emoji as it documents them, without the U+FE0F variation selector an app's emoji may carry. */
const TELEGRAM_EMOJI = new Set(TELEGRAM_REACTIONS);

/**
 * Message fields that carry content with no kind of its own here, in the Bot API's order of
 * appearance: a message with one of them (and none of the kinds read above) is `unsupported`
 * with that field's name.
 */
const OTHER_CONTENT = [
  'poll',
  'dice',
  'game',
  'invoice',
  'story',
  'paid_media',
  'successful_payment',
  'giveaway',
  'checklist',
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'pinned_message',
  'group_chat_created',
];

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

/** Telegram's limits for files it downloads from a URL (Bot API, "Sending files"). */
export const TELEGRAM_URL_LIMITS = { photo: 5 * 1024 * 1024, document: 20 * 1024 * 1024 };
/** Telegram's limits for files uploaded with multipart/form-data. */
export const TELEGRAM_UPLOAD_LIMITS = { photo: 10 * 1024 * 1024, document: 50 * 1024 * 1024 };
/** Longest text of one message, and of a file's caption, in UTF-16 code units (Bot API, `sendMessage` and `sendPhoto`). */
export const TELEGRAM_TEXT_LIMIT = CHANNEL_CAPABILITIES.telegram.text.limit;
export const TELEGRAM_CAPTION_LIMIT = CHANNEL_CAPABILITIES.telegram.caption?.limit ?? TELEGRAM_TEXT_LIMIT;

/** Types Telegram takes by URL in `sendDocument` ("Sending files": "currently only work for GIF, PDF and ZIP files"). */
const DOCUMENT_BY_URL = new Set(['image/gif', 'application/pdf', 'application/zip', 'application/x-zip-compressed']);

/**
 * How a file goes to Telegram: photos (JPEG, PNG, WebP) with `sendPhoto`, MP4 video with
 * `sendVideo`, MP3 and M4A with `sendAudio`, OGG (Opus) voice notes with `sendVoice`, anything
 * else (and a photo over its limit) with `sendDocument`.
 */
function telegramFileKind(type: string, size: number) {
  const media = type.split(';')[0]?.trim().toLowerCase() ?? '';
  const upload = TELEGRAM_UPLOAD_LIMITS.document;
  if (['image/jpeg', 'image/png', 'image/webp'].includes(media) && size <= TELEGRAM_UPLOAD_LIMITS.photo)
    return { method: 'sendPhoto', field: 'photo', urlOk: size <= TELEGRAM_URL_LIMITS.photo, uploadLimit: TELEGRAM_UPLOAD_LIMITS.photo };
  if (media === 'video/mp4') return { method: 'sendVideo', field: 'video', urlOk: false, uploadLimit: upload };
  if (['audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/m4a', 'audio/x-m4a'].includes(media))
    return { method: 'sendAudio', field: 'audio', urlOk: false, uploadLimit: upload };
  if (media === 'audio/ogg' || media === 'audio/opus') return { method: 'sendVoice', field: 'voice', urlOk: false, uploadLimit: upload };
  return { method: 'sendDocument', field: 'document', urlOk: DOCUMENT_BY_URL.has(media), uploadLimit: upload };
}

/** The Bot API's `message_id` in one of our ids of a Telegram message (`<chat id>:<message id>`), or null. */
export function telegramMessageId(externalId: string | undefined): number | null {
  const id = Number(externalId?.slice(externalId.lastIndexOf(':') + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
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

  async send(message: OutboundMessage): Promise<SendResult> {
    let chatId = message.recipientId;
    const replyTo = telegramMessageId(message.replyToExternalId);
    // A reply to a message deleted meanwhile still goes, as a plain message.
    const reply = (index: number) =>
      replyTo !== null && index === 0 ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
    // A group upgraded to a supergroup answers with its new id: the part goes there, and so does the rest.
    const post = async (method: string, body: (chat: string) => Record<string, unknown> | FormData) => {
      let answer = await this.call<TelegramMessage>(method, body(chatId));
      if (!answer.ok && answer.migrateTo !== undefined) {
        chatId = answer.migrateTo;
        answer = await this.call<TelegramMessage>(method, body(chatId));
      }
      return this.#sent(answer);
    };
    const moved = (result: SendResult): SendResult =>
      result.ok && chatId !== message.recipientId ? { ...result, recipientId: chatId } : result;
    const { file, content } = message;
    // A venue (with its name and address) or a pin; each contact card with a phone as its own `sendContact`.
    if (content?.type === 'location') {
      const { latitude, longitude, name, address } = content;
      const venue = name && address ? { title: name, address } : null;
      return moved(
        await sendPartsOf(message, [venue], (place) =>
          post(place ? 'sendVenue' : 'sendLocation', (chat) => ({ chat_id: chat, latitude, longitude, ...place, ...reply(0) })),
        ),
      );
    }
    if (content?.type === 'contacts') {
      const cards = content.contacts.map((card) => ({ card, phone: card.phones[0]?.phone }));
      return moved(
        await sendPartsOf(message, cards, ({ card, phone }, index) =>
          phone
            ? post('sendContact', (chat) => ({ chat_id: chat, phone_number: phone, first_name: card.name.slice(0, 64), ...reply(index) }))
            : post('sendMessage', (chat) => ({
                chat_id: chat,
                text: contentText({ type: 'contacts', contacts: [card] }),
                ...reply(index),
              })),
        ),
      );
    }
    if (!file) {
      const parts = splitText(message.text, TELEGRAM_TEXT_LIMIT, 'utf16');
      return moved(
        await sendPartsOf(message, parts, (text, index) => post('sendMessage', (chat) => ({ chat_id: chat, text, ...reply(index) }))),
      );
    }
    const kind = telegramFileKind(file.type, file.size);
    // By URL only where Telegram takes it (photos; documents that are GIF, PDF or ZIP); otherwise the bytes are uploaded.
    const byUrl = file.url !== null && (kind.urlOk || !file.bytes);
    const limit = byUrl ? (kind.method === 'sendPhoto' ? TELEGRAM_URL_LIMITS.photo : TELEGRAM_URL_LIMITS.document) : kind.uploadLimit;
    if (!byUrl && !file.bytes) return failed('NO_PUBLIC_URL', null, 'The file has neither a public link nor bytes to upload', 'never');
    if (file.size > limit) {
      return failed(
        'FILE_TOO_LARGE',
        null,
        `Telegram takes such files of at most ${limit / 1024 / 1024} MB ${byUrl ? 'from a URL' : 'uploaded'}; this one is ${file.size} bytes`,
        'never',
      );
    }
    // The caption holds what fits; the rest of the text follows as messages.
    const [caption = '', ...rest] = message.text ? splitText(message.text, TELEGRAM_TEXT_LIMIT, 'utf16', TELEGRAM_CAPTION_LIMIT) : [];
    const parts: Array<{ file: true } | { text: string }> = [{ file: true }, ...rest.map((text) => ({ text }))];
    return moved(
      await sendPartsOf(message, parts, async (part, index) => {
        if ('text' in part) return post('sendMessage', (chat) => ({ chat_id: chat, text: part.text }));
        const captioned = caption ? { caption } : {};
        if (byUrl) return post(kind.method, (chat) => ({ chat_id: chat, [kind.field]: file.url, ...captioned, ...reply(index) }));
        const bytes = (await (file.bytes as NonNullable<typeof file.bytes>)()) as Uint8Array<ArrayBuffer>;
        return post(kind.method, (chat) => {
          const form = new FormData();
          form.append('chat_id', chat);
          if (caption) form.append('caption', caption);
          const replying = reply(index);
          if ('reply_parameters' in replying) form.append('reply_parameters', JSON.stringify(replying.reply_parameters));
          form.append(kind.field, new Blob([bytes], { type: file.type }), file.name);
          return form;
        });
      }),
    );
  }

  /** A file a user sent: `getFile` gives its path, downloaded from `/file/bot<token>/<path>` (files up to 20 MB). */
  async fetchFile(file: InboundFile): Promise<FetchedFile> {
    const found = await this.call<{ file_path?: string; file_size?: number }>('getFile', { file_id: file.platformFileId });
    if (!found.ok) return found;
    if (!found.value.file_path) return failed('FILE_UNAVAILABLE', null, 'Telegram gave no path for the file (over 20 MB?)', 'never');
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
    if (messageId === null) return failed('BAD_REQUEST', null, `${externalId} is not a Telegram message id`, 'never');
    const emoji = key?.replaceAll('\uFE0F', '') ?? null;
    if (emoji !== null && !TELEGRAM_EMOJI.has(emoji))
      return failed('REACTION_UNSUPPORTED', null, `Telegram bots cannot react with ${key}`, 'never');
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
    if (messageId === null) return failed('BAD_REQUEST', null, 'The message has no Telegram id to edit', 'never');
    const limit = sent.file ? TELEGRAM_CAPTION_LIMIT : TELEGRAM_TEXT_LIMIT;
    if (sent.parts.length > 1 || text.length > limit)
      return failed(
        'EDIT_UNSUPPORTED',
        null,
        'Telegram cannot edit a message sent in several parts, or make one longer than a part',
        'never',
      );
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
    if (ids.length === 0) return failed('BAD_REQUEST', null, 'The message has no Telegram id to delete', 'never');
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
    const update = body as TelegramUpdate;
    if (update?.message_reaction) return [reactionEvent(update.message_reaction)];
    if (update?.callback_query) return callbackEvent(update.callback_query);
    const message = update?.message ?? update?.edited_message;
    if (!message) return [];
    // Documented as Integers (https://core.telegram.org/bots/api#message): anything else is not an update to store.
    if (typeof message.message_id !== 'number' || typeof message.chat?.id !== 'number' || typeof message.date !== 'number')
      throw new TypeError('A Telegram message needs message_id, chat.id and date as integers');
    const externalId = `${message.chat.id}:${message.message_id}`;
    const conversationKey = String(message.chat.id);
    // A group upgraded to a supergroup: the old group's last service message names the new id, the new one's first names the old.
    const migrated = (message as { migrate_to_chat_id?: number }).migrate_to_chat_id;
    const migratedFrom = (message as { migrate_from_chat_id?: number }).migrate_from_chat_id;
    if (migrated !== undefined || migratedFrom !== undefined) {
      const at = new Date(message.date * 1000).toISOString();
      return migrated !== undefined
        ? [{ kind: 'moved', conversationKey, to: String(migrated), at }]
        : [{ kind: 'moved', conversationKey: String(migratedFrom), to: conversationKey, at }];
    }
    const { text, content } = telegramContent(message);
    if (update.edited_message) {
      const at = new Date((message.edit_date ?? message.date) * 1000).toISOString();
      return [{ kind: 'edit', externalId, conversationKey, text, at }];
    }
    const from = message.from;
    return [
      {
        kind: 'message',
        externalId,
        conversationKey,
        from: {
          id: String(from?.id ?? message.chat.id),
          name: [from?.first_name, from?.last_name].filter(Boolean).join(' ') || null,
          username: from?.username ?? null,
        },
        text,
        file: fileOf(message),
        content,
        sentAt: new Date(message.date * 1000).toISOString(),
        replyToExternalId: message.reply_to_message ? `${message.chat.id}:${message.reply_to_message.message_id}` : null,
      },
    ];
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
  async call<T>(
    method: string,
    body: Record<string, unknown> | FormData,
    signal?: AbortSignal,
  ): Promise<{ ok: true; value: T } | { ok: false; error: ChannelError; migrateTo?: string }> {
    const url = `${this.#base}/${method}`;
    const answer = body instanceof FormData ? await postForm(this.#fetch, url, body) : await postJson(this.#fetch, url, body, {}, signal);
    if (!answer.ok) return answer;
    const parsed = answer.body as ApiResponse<T> | null;
    if (!parsed)
      return failed(
        'UNAVAILABLE',
        String(answer.status),
        `Telegram answered ${answer.status} without JSON`,
        answer.status >= 500 ? 'backoff' : 'never',
      );
    if (parsed.ok) return { ok: true, value: parsed.result };
    const migrateTo = parsed.parameters?.migrate_to_chat_id;
    return { ok: false, error: telegramError(parsed), ...(migrateTo !== undefined ? { migrateTo: String(migrateTo) } : {}) };
  }

  #sent(result: Awaited<ReturnType<TelegramConnector['call']>>): { ok: true; id: string } | { ok: false; error: ChannelError } {
    if (!result.ok) return result;
    const message = result.value as TelegramMessage;
    return { ok: true, id: `${message.chat.id}:${message.message_id}` };
  }
}

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

function failed(
  code: string,
  platformCode: string | null,
  message: string,
  retry: ChannelError['retry'],
): { ok: false; error: ChannelError } {
  return { ok: false, error: { code, platformCode, message, retry } };
}

/** A reaction update: the user's (or anonymous chat's) whole new set, as keys (custom emoji as `custom_emoji:<id>`, paid as ⭐). */
function reactionEvent(update: TelegramReactionUpdate): InboundEvent {
  if (typeof update.message_id !== 'number' || typeof update.chat?.id !== 'number' || !Array.isArray(update.new_reaction))
    throw new TypeError('A Telegram reaction needs chat.id, message_id and new_reaction');
  const actor = update.user;
  const keys = update.new_reaction.map((reaction) =>
    reaction.type === 'emoji' ? reaction.emoji : reaction.type === 'custom_emoji' ? `custom_emoji:${reaction.custom_emoji_id}` : '⭐',
  );
  return {
    kind: 'reaction',
    externalId: `${update.chat.id}:${update.message_id}`,
    conversationKey: String(update.chat.id),
    from: actor
      ? {
          id: String(actor.id),
          name: [actor.first_name, actor.last_name].filter(Boolean).join(' ') || null,
          username: actor.username ?? null,
        }
      : { id: String(update.actor_chat?.id ?? update.chat.id), name: update.actor_chat?.title ?? null, username: null },
    keys: keys.filter((key) => key.length > 0 && key.length <= 64),
    at: new Date(update.date * 1000).toISOString(),
  };
}

/**
 * A press of a button the bot sent: a `choice` message with the button's text as its title and
 * its `callback_data` as payload, answering the message that had the keyboard. Telegram wants
 * the press answered (`acknowledge`).
 */
function callbackEvent(query: TelegramCallbackQuery): InboundEvent[] {
  if (typeof query.id !== 'string' || typeof query.from?.id !== 'number')
    throw new TypeError('A Telegram callback query needs id and from');
  const message = query.message;
  const payload = query.data ?? '';
  const button = message?.reply_markup?.inline_keyboard?.flat().find((b) => b.callback_data === payload);
  const title = button?.text ?? payload;
  const chatId = message?.chat?.id ?? query.from.id;
  return [
    {
      kind: 'message',
      externalId: `callback:${query.id}`,
      conversationKey: String(chatId),
      from: {
        id: String(query.from.id),
        name: [query.from.first_name, query.from.last_name].filter(Boolean).join(' ') || null,
        username: query.from.username ?? null,
      },
      text: title,
      file: null,
      content: { type: 'choice', payload: payload.slice(0, 4096), title: title.slice(0, 4096), description: null },
      sentAt: new Date().toISOString(),
      replyToExternalId: message ? `${chatId}:${message.message_id}` : null,
      acknowledge: query.id,
    },
  ];
}

/** The file a message carries: the largest photo size, or the animation, video, audio, voice, round video, sticker or document. */
function fileOf(message: TelegramMessage): InboundFile | null {
  const photo = message.photo?.at(-1);
  if (photo) return { platformFileId: photo.file_id, name: null, type: 'image/jpeg', size: photo.file_size ?? null };
  // An animation comes with `document` set too ("for backward compatibility"): it is read first.
  const sticker = message.sticker;
  const stickerType = sticker?.is_animated ? 'application/x-tgsticker' : sticker?.is_video ? 'video/webm' : 'image/webp';
  const candidates: Array<[TelegramFile | undefined, string | null]> = [
    [message.animation, 'video/mp4'],
    [message.video, 'video/mp4'],
    [message.audio, 'audio/mpeg'],
    [message.voice, 'audio/ogg'],
    // Round videos carry no type: Telegram sends them as MP4.
    [message.video_note, 'video/mp4'],
    [sticker, stickerType],
    [message.document, null],
  ];
  for (const [file, fallbackType] of candidates) {
    if (!file) continue;
    return {
      platformFileId: file.file_id,
      name: file.file_name ?? null,
      type: file.mime_type ?? fallbackType,
      size: file.file_size ?? null,
    };
  }
  return null;
}

/** A message's text (or caption) and structured content: locations and venues, shared contacts, stickers, voice notes, round videos, and every other content as `unsupported`. */
function telegramContent(message: TelegramMessage): { text: string; content: MessageContent | null } {
  const text = message.text ?? message.caption ?? '';
  const venue = message.venue;
  const place = venue
    ? { ...venue.location, name: venue.title, address: venue.address }
    : message.location
      ? { ...message.location, name: null, address: null }
      : null;
  if (place) {
    const content = {
      type: 'location' as const,
      latitude: place.latitude,
      longitude: place.longitude,
      name: place.name,
      address: place.address,
      url: null,
    };
    return { text: contentText(content), content };
  }
  if (message.contact) {
    const name = [message.contact.first_name, message.contact.last_name].filter(Boolean).join(' ');
    return {
      text: name,
      content: {
        type: 'contacts',
        contacts: [{ name, phones: [{ phone: message.contact.phone_number, type: null }], emails: [], organization: null }],
      },
    };
  }
  if (message.sticker)
    return {
      text: '',
      content: {
        type: 'sticker',
        animated: message.sticker.is_animated === true || message.sticker.is_video === true,
        emoji: message.sticker.emoji ?? null,
      },
    };
  if (message.voice) return { text, content: { type: 'voice' } };
  if (message.video_note) return { text: '', content: { type: 'video_note' } };
  if (message.text !== undefined || fileOf(message)) return { text, content: null };
  const platformType = OTHER_CONTENT.find((field) => field in message) ?? 'unknown';
  return { text, content: { type: 'unsupported', platformType } };
}
