import { TELEGRAM_REACTIONS } from '@chat4all/protocol';
import { jsonServer, postWebhook, type WebhookAnswer } from './json-server.js';

export type TelegramFailure = {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
};

/**
 * A Telegram Bot API stand-in on loopback speaking its documented shapes
 * (https://core.telegram.org/bots/api#making-requests): `POST /bot<token>/<method>` with a
 * JSON body, answered `{ ok: true, result }` or `{ ok: false, error_code, description,
 * parameters }`. It checks what Telegram checks for the methods the connector uses and can
 * be told to fail the next calls the way Telegram does. Once the app called `setWebhook`,
 * `inbound()` posts an `Update` there with the `X-Telegram-Bot-Api-Secret-Token` header.
 */
export async function fakeTelegram(token: string) {
  const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  const failures: TelegramFailure[] = [];
  const chats = new Map<string, 'ok' | 'blocked' | { migratedTo: number }>();
  const updates: Array<{ update_id: number; [key: string]: unknown }> = [];
  let webhook: { url: string; secret_token?: string } | null = null;
  let nextMessageId = 100;
  const waiting = new Set<() => void>();
  let nextUpdateId = 1;
  const inboundIds = new Map<number, number>();
  /** Every message in each chat, as `<chat id>:<message id>`: what a reply may point at. */
  const known = new Set<string>();
  /** The bot's own messages, with their text or caption: what it may edit and delete. */
  const sent = new Map<string, string>();
  /** Messages the app deleted, and the bot's reaction on each message (null once taken back). */
  const deleted: string[] = [];
  const reactions = new Map<string, string | null>();
  /** Button presses waiting for `answerCallbackQuery`, and those answered. */
  const queries = new Set<string>();
  const answered: string[] = [];
  /** The media field of each sending method, and the types Telegram fetches by URL for it. */
  const MEDIA: Record<string, string> = {
    sendPhoto: 'photo',
    sendDocument: 'document',
    sendVideo: 'video',
    sendAudio: 'audio',
    sendVoice: 'voice',
  };

  const files = new Map<string, { bytes: Buffer; path: string }>();
  let nextFile = 1;
  /** Files the app uploaded (multipart sendPhoto, sendDocument, sendVideo, sendAudio, sendVoice), in order. */
  const uploads: Array<{ method: string; field: string; name: string; type: string; bytes: Buffer }> = [];
  const server = await jsonServer(async (request, raw, answer, bytes) => {
    const fail = (failure: TelegramFailure) => answer(failure.error_code, { ok: false, ...failure });
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(request.url ?? '');
    if (request.method === 'GET' && download) {
      const file = [...files.values()].find((f) => f.path === download[2]);
      return download[1] === token && file
        ? answer(200, file.bytes, 'application/octet-stream')
        : fail({ error_code: 404, description: 'Not Found' });
    }
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.url ?? '');
    if (!match || match[1] !== token) return fail({ error_code: 401, description: 'Unauthorized' });
    const method = match[2] as string;
    let body: Record<string, unknown> = {};
    try {
      if (String(request.headers['content-type']).startsWith('multipart/form-data')) {
        // A file upload: fields as strings, the file kept (and its field set to the name it came with).
        const form = await new Response(new Uint8Array(bytes), {
          headers: { 'content-type': String(request.headers['content-type']) },
        }).formData();
        const parts: Array<[string, string | Blob]> = [];
        form.forEach((value, field) => {
          parts.push([field, value as string | Blob]);
        });
        for (const [field, value] of parts) {
          if (typeof value === 'string') body[field] = value;
          else {
            uploads.push({ method, field, name: (value as File).name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
            body[field] = `attach://${(value as File).name}`;
          }
        }
      } else if (raw) body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return fail({ error_code: 400, description: "Bad Request: can't parse JSON object" });
    }
    calls.push({ method, body });
    const injected = failures.shift();
    if (injected) return fail(injected);
    switch (method) {
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendVideo':
      case 'sendAudio':
      case 'sendVoice':
      case 'sendLocation':
      case 'sendVenue':
      case 'sendContact': {
        const chatId = String(body.chat_id ?? '');
        if (!chatId) return fail({ error_code: 400, description: 'Bad Request: chat_id is empty' });
        const state = chats.get(chatId);
        if (!state) return fail({ error_code: 400, description: 'Bad Request: chat not found' });
        if (state === 'blocked') return fail({ error_code: 403, description: 'Forbidden: bot was blocked by the user' });
        // A group upgraded to a supergroup: its old id is refused with the new one (ResponseParameters.migrate_to_chat_id).
        if (typeof state === 'object')
          return fail({
            error_code: 400,
            description: 'Bad Request: group chat was upgraded to a supergroup chat',
            parameters: { migrate_to_chat_id: state.migratedTo },
          });
        // Text 1-4096 characters, caption 0-1024, counted in UTF-16 units as entities are (https://core.telegram.org/bots/api#sendmessage, #sendphoto).
        // https://core.telegram.org/bots/api#sendlocation, #sendvenue, #sendcontact.
        if (method === 'sendLocation' || method === 'sendVenue') {
          if (typeof body.latitude !== 'number' || typeof body.longitude !== 'number')
            return fail({ error_code: 400, description: 'Bad Request: wrong latitude or longitude' });
          if (method === 'sendVenue' && (typeof body.title !== 'string' || typeof body.address !== 'string'))
            return fail({ error_code: 400, description: 'Bad Request: venue title and address must be non-empty' });
        } else if (method === 'sendContact') {
          if (typeof body.phone_number !== 'string' || typeof body.first_name !== 'string' || body.first_name === '')
            return fail({ error_code: 400, description: 'Bad Request: phone_number and first_name must be non-empty' });
        } else if (method === 'sendMessage') {
          const text = typeof body.text === 'string' ? body.text : '';
          if (text.length === 0) return fail({ error_code: 400, description: 'Bad Request: message text is empty' });
          if (text.length > 4096) return fail({ error_code: 400, description: 'Bad Request: message is too long' });
        } else {
          const field = MEDIA[method] as string;
          if (typeof body[field] !== 'string')
            return fail({ error_code: 400, description: `Bad Request: there is no ${field} in the request` });
          if (typeof body.caption === 'string' && body.caption.length > 1024)
            return fail({ error_code: 400, description: 'Bad Request: message caption is too long' });
        }
        // ReplyParameters.message_id is an Integer of a message in the chat (https://core.telegram.org/bots/api#replyparameters);
        // multipart requests carry it JSON-serialized.
        const replyParameters = typeof body.reply_parameters === 'string' ? JSON.parse(body.reply_parameters) : body.reply_parameters;
        if (replyParameters !== undefined) {
          const { message_id: replyId, allow_sending_without_reply: anyway } = replyParameters as Record<string, unknown>;
          if (!Number.isInteger(replyId))
            return fail({ error_code: 400, description: "Bad Request: can't parse reply parameters JSON object" });
          if (!known.has(`${chatId}:${replyId}`) && anyway !== true)
            return fail({ error_code: 400, description: 'Bad Request: message to be replied not found' });
        }
        const messageId = nextMessageId++;
        known.add(`${chatId}:${messageId}`);
        sent.set(`${chatId}:${messageId}`, String((method === 'sendMessage' ? body.text : body.caption) ?? ''));
        return answer(200, {
          ok: true,
          result: {
            message_id: messageId,
            from: { id: 1, is_bot: true, first_name: 'Chat4All', username: 'chat4all_bot' },
            chat: { id: Number(chatId), type: Number(chatId) < 0 ? 'group' : 'private' },
            date: Math.floor(Date.now() / 1000),
            ...(method === 'sendMessage' ? { text: body.text } : { caption: body.caption }),
          },
        });
      }
      // https://core.telegram.org/bots/api#sendchataction: answered True.
      case 'sendChatAction': {
        if (!chats.has(String(body.chat_id ?? ''))) return fail({ error_code: 400, description: 'Bad Request: chat not found' });
        if (body.action !== 'typing' && body.action !== 'upload_document')
          return fail({ error_code: 400, description: 'Bad Request: wrong parameter action in request' });
        return answer(200, { ok: true, result: true });
      }
      // https://core.telegram.org/bots/api#setmessagereaction: at most one emoji of the documented set for a bot; answered True.
      case 'setMessageReaction': {
        const chatId = String(body.chat_id ?? '');
        if (!known.has(`${chatId}:${body.message_id}`))
          return fail({ error_code: 400, description: 'Bad Request: message to react not found' });
        const reaction = (body.reaction ?? []) as Array<{ type?: string; emoji?: string }>;
        if (!Array.isArray(reaction)) return fail({ error_code: 400, description: 'Bad Request: Expected an Array of ReactionType' });
        if (reaction.length > 1) return fail({ error_code: 400, description: 'Bad Request: REACTIONS_TOO_MANY' });
        if (reaction.some((r) => r.type !== 'emoji' || !TELEGRAM_REACTIONS.includes(String(r.emoji))))
          return fail({ error_code: 400, description: 'Bad Request: REACTION_INVALID' });
        reactions.set(`${chatId}:${body.message_id}`, reaction[0]?.emoji ?? null);
        return answer(200, { ok: true, result: true });
      }
      // https://core.telegram.org/bots/api#editmessagetext and #editmessagecaption: the edited Message.
      case 'editMessageText':
      case 'editMessageCaption': {
        const key = `${body.chat_id}:${body.message_id}`;
        if (!sent.has(key)) return fail({ error_code: 400, description: 'Bad Request: message to edit not found' });
        const field = method === 'editMessageText' ? 'text' : 'caption';
        const value = typeof body[field] === 'string' ? (body[field] as string) : '';
        if (method === 'editMessageText' && (value.length === 0 || value.length > 4096))
          return fail({ error_code: 400, description: 'Bad Request: text must be non-empty and at most 4096 characters' });
        if (sent.get(key) === value)
          return fail({
            error_code: 400,
            description:
              'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          });
        sent.set(key, value);
        return answer(200, {
          ok: true,
          result: {
            message_id: body.message_id,
            chat: { id: Number(body.chat_id), type: 'private' },
            date: 0,
            edit_date: 1,
            [field]: value,
          },
        });
      }
      // https://core.telegram.org/bots/api#deletemessages: 1-100 ids; those that cannot be found are skipped; True.
      case 'deleteMessages': {
        const ids = body.message_ids as unknown;
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100)
          return fail({ error_code: 400, description: 'Bad Request: message identifiers are not specified' });
        for (const id of ids) {
          known.delete(`${body.chat_id}:${id}`);
          if (sent.delete(`${body.chat_id}:${id}`)) deleted.push(`${body.chat_id}:${id}`);
        }
        return answer(200, { ok: true, result: true });
      }
      // https://core.telegram.org/bots/api#answercallbackquery: once per query.
      case 'answerCallbackQuery': {
        const id = String(body.callback_query_id ?? '');
        if (!queries.delete(id))
          return fail({
            error_code: 400,
            description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
          });
        answered.push(id);
        return answer(200, { ok: true, result: true });
      }
      case 'getFile': {
        const file = files.get(String(body.file_id));
        if (!file) return fail({ error_code: 400, description: 'Bad Request: invalid file_id' });
        return answer(200, {
          ok: true,
          result: { file_id: body.file_id, file_unique_id: `u${body.file_id}`, file_size: file.bytes.length, file_path: file.path },
        });
      }
      case 'setWebhook':
        webhook = { url: String(body.url), secret_token: body.secret_token as string | undefined };
        return answer(200, { ok: true, result: true, description: 'Webhook was set' });
      case 'getUpdates': {
        // Long polling: with nothing to give, the answer waits up to `timeout` seconds for an update.
        const offset = Number(body.offset ?? 0);
        const pending = () => updates.filter((u) => u.update_id >= offset);
        if (pending().length > 0 || !body.timeout) return answer(200, { ok: true, result: pending() });
        const timer = setTimeout(() => {
          waiting.delete(wake);
          answer(200, { ok: true, result: pending() });
        }, Number(body.timeout) * 1000);
        const wake = () => {
          clearTimeout(timer);
          answer(200, { ok: true, result: pending() });
        };
        waiting.add(wake);
        return;
      }
      default:
        return fail({ error_code: 404, description: 'Not Found' });
    }
  });
  function addFile(bytes: Buffer, path: string) {
    const id = `AgACAgEAAxkBAAI${nextFile++}`;
    files.set(id, { bytes, path: `${nextFile}-${path}` });
    return { file_id: id, file_unique_id: `u${id}`, file_size: bytes.length };
  }

  return {
    url: server.url,
    calls,
    uploads,
    /** A chat the bot can write to (the user pressed Start), or one that blocked it. */
    chat(id: number, state: 'ok' | 'blocked' = 'ok') {
      chats.set(String(id), state);
    },
    /** A group upgraded to a supergroup `to`: sends to its old id are refused with the new one. */
    migrate(from: number, to: number) {
      chats.set(String(from), { migratedTo: to });
      chats.set(String(to), 'ok');
    },
    /** The next calls fail like this, in order. */
    failNext(...next: TelegramFailure[]) {
      failures.push(...next);
    },
    /** An update for `getUpdates` (long polling) to return; a waiting poll returns at once. */
    queueUpdate(update: { update_id: number; [key: string]: unknown }) {
      updates.push(update);
      for (const wake of [...waiting]) wake();
      waiting.clear();
    },
    webhook: () => webhook,
    /** A user writes to the bot: an `Update` with a message, posted to the webhook the app set. */
    inbound(message: {
      chatId: number;
      firstName?: string;
      username?: string;
      text: string;
      replyTo?: number;
      /** A photo (its bytes) or a document sent with the text as its caption. */
      photo?: Buffer;
      document?: { bytes: Buffer; name: string; mimeType: string };
    }): Promise<WebhookAnswer & { updateId: number; messageId: number }> {
      if (!webhook) throw new Error('fakeTelegram: the app has not called setWebhook');
      chats.set(String(message.chatId), 'ok');
      const messageId = (inboundIds.get(message.chatId) ?? 0) + 1;
      inboundIds.set(message.chatId, messageId);
      known.add(`${message.chatId}:${messageId}`);
      const updateId = nextUpdateId++;
      const from = { id: message.chatId, is_bot: false, first_name: message.firstName ?? 'User', username: message.username };
      const update = {
        update_id: updateId,
        message: {
          message_id: messageId,
          from,
          chat: {
            id: message.chatId,
            type: message.chatId < 0 ? 'supergroup' : 'private',
            first_name: from.first_name,
            username: message.username,
          },
          date: Math.floor(Date.now() / 1000),
          ...(message.photo || message.document ? { caption: message.text } : { text: message.text }),
          ...(message.photo ? { photo: [{ ...addFile(message.photo, 'photos/file.jpg'), width: 800, height: 600 }] } : {}),
          ...(message.document
            ? {
                document: {
                  ...addFile(message.document.bytes, `documents/${message.document.name}`),
                  file_name: message.document.name,
                  mime_type: message.document.mimeType,
                },
              }
            : {}),
          ...(message.replyTo ? { reply_to_message: { message_id: message.replyTo } } : {}),
        },
      };
      return postWebhook(webhook.url, update, webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {}).then(
        (answer) => ({ ...answer, updateId, messageId }),
      );
    },
    sent,
    deleted,
    reactions,
    answered,
    /**
     * A user's reactions to a message changed (MessageReactionUpdated,
     * https://core.telegram.org/bots/api#messagereactionupdated): posted with the whole new set.
     */
    react(chatId: number, messageId: number, emoji: string[], old: string[] = []): Promise<WebhookAnswer> {
      if (!webhook) throw new Error('fakeTelegram: the app has not called setWebhook');
      const toTypes = (list: string[]) => list.map((e) => ({ type: 'emoji', emoji: e }));
      const update = {
        update_id: nextUpdateId++,
        message_reaction: {
          chat: { id: chatId, type: chatId < 0 ? 'supergroup' : 'private' },
          message_id: messageId,
          user: { id: chatId, is_bot: false, first_name: 'User' },
          date: Math.floor(Date.now() / 1000),
          old_reaction: toTypes(old),
          new_reaction: toTypes(emoji),
        },
      };
      return postWebhook(webhook.url, update, webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {});
    },
    /**
     * A user pressed an inline keyboard button of a message the bot sent (CallbackQuery,
     * https://core.telegram.org/bots/api#callbackquery): the message with its keyboard, and the button's data.
     */
    press(chatId: number, messageId: number, button: { text: string; data: string }): Promise<WebhookAnswer & { queryId: string }> {
      if (!webhook) throw new Error('fakeTelegram: the app has not called setWebhook');
      const queryId = String(4_000_000 + nextUpdateId);
      queries.add(queryId);
      const from = { id: chatId, is_bot: false, first_name: 'User' };
      const update = {
        update_id: nextUpdateId++,
        callback_query: {
          id: queryId,
          from,
          chat_instance: '-53940',
          data: button.data,
          message: {
            message_id: messageId,
            from: { id: 1, is_bot: true, first_name: 'Chat4All' },
            chat: { id: chatId, type: 'private' },
            date: Math.floor(Date.now() / 1000),
            text: sent.get(`${chatId}:${messageId}`) ?? '',
            reply_markup: { inline_keyboard: [[{ text: button.text, callback_data: button.data }]] },
          },
        },
      };
      return postWebhook(webhook.url, update, webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {}).then(
        (answer) => ({ ...answer, queryId }),
      );
    },
    /** Posts an update exactly as given (a replay of one already sent, say), with the secret the app set. */
    postUpdate(update: unknown, secretToken = webhook?.secret_token): Promise<WebhookAnswer> {
      if (!webhook) throw new Error('fakeTelegram: the app has not called setWebhook');
      return postWebhook(webhook.url, update, secretToken ? { 'x-telegram-bot-api-secret-token': secretToken } : {});
    },
    close() {
      for (const wake of waiting) wake();
      waiting.clear();
      return server.close();
    },
  };
}

export type FakeTelegram = Awaited<ReturnType<typeof fakeTelegram>>;
