import { jsonServer } from './json-server.js';

type Failure = { error_code: number; description: string; parameters?: { retry_after?: number } };

/**
 * A Telegram Bot API stand-in on loopback speaking its documented shapes
 * (https://core.telegram.org/bots/api#making-requests): `POST /bot<token>/<method>` with a
 * JSON body, answered `{ ok: true, result }` or `{ ok: false, error_code, description,
 * parameters }`. It checks what Telegram checks for the methods the connector uses and can
 * be told to fail the next calls the way Telegram does.
 */
export async function fakeTelegram(token: string) {
  const calls: Array<{ method: string; body: Record<string, unknown> }> = [];
  const failures: Failure[] = [];
  const chats = new Map<string, 'ok' | 'blocked'>();
  const updates: Array<{ update_id: number; [key: string]: unknown }> = [];
  let webhook: { url: string; secret_token?: string } | null = null;
  let nextMessageId = 100;

  const server = await jsonServer((request, raw, answer) => {
    const fail = (failure: Failure) => answer(failure.error_code, { ok: false, ...failure });
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.url ?? '');
    if (!match || match[1] !== token) return fail({ error_code: 401, description: 'Unauthorized' });
    const method = match[2] as string;
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return fail({ error_code: 400, description: "Bad Request: can't parse JSON object" });
    }
    calls.push({ method, body });
    const injected = failures.shift();
    if (injected) return fail(injected);
    switch (method) {
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument': {
        const chatId = String(body.chat_id ?? '');
        if (!chatId) return fail({ error_code: 400, description: 'Bad Request: chat_id is empty' });
        const state = chats.get(chatId);
        if (!state) return fail({ error_code: 400, description: 'Bad Request: chat not found' });
        if (state === 'blocked') return fail({ error_code: 403, description: 'Forbidden: bot was blocked by the user' });
        if (method === 'sendMessage') {
          const text = typeof body.text === 'string' ? body.text : '';
          if (text.length === 0) return fail({ error_code: 400, description: 'Bad Request: message text is empty' });
          if (text.length > 4096) return fail({ error_code: 400, description: 'Bad Request: message is too long' });
        }
        if (method === 'sendPhoto' && typeof body.photo !== 'string')
          return fail({ error_code: 400, description: 'Bad Request: there is no photo in the request' });
        if (method === 'sendDocument' && typeof body.document !== 'string')
          return fail({ error_code: 400, description: 'Bad Request: there is no document in the request' });
        return answer(200, {
          ok: true,
          result: {
            message_id: nextMessageId++,
            from: { id: 1, is_bot: true, first_name: 'Chat4All', username: 'chat4all_bot' },
            chat: { id: Number(chatId), type: 'private' },
            date: Math.floor(Date.now() / 1000),
            ...(method === 'sendMessage' ? { text: body.text } : { caption: body.caption }),
          },
        });
      }
      case 'setWebhook':
        webhook = { url: String(body.url), secret_token: body.secret_token as string | undefined };
        return answer(200, { ok: true, result: true, description: 'Webhook was set' });
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        return answer(200, { ok: true, result: updates.filter((u) => u.update_id >= offset) });
      }
      default:
        return fail({ error_code: 404, description: 'Not Found' });
    }
  });
  return {
    url: server.url,
    calls,
    /** A chat the bot can write to (the user pressed Start), or one that blocked it. */
    chat(id: number, state: 'ok' | 'blocked' = 'ok') {
      chats.set(String(id), state);
    },
    /** The next calls fail like this, in order. */
    failNext(...next: Failure[]) {
      failures.push(...next);
    },
    queueUpdate(update: { update_id: number; [key: string]: unknown }) {
      updates.push(update);
    },
    webhook: () => webhook,
    close: server.close,
  };
}
