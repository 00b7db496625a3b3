import { CHANNEL_CAPABILITIES, contentText } from '@chat4all/protocol';
import { sendPartsOf } from '../parts.js';
import { refused } from '../refused.js';
import { splitText } from '../text.js';
import type { OutboundMessage, SendResult } from '../types.js';
import { TELEGRAM_URL_LIMITS, telegramFileKind } from './media.js';
import { type BotApiCall, sentMessage } from './requests.js';
import type { TelegramMessage } from './updates.js';

/** Longest text of one message, and of a file's caption, in UTF-16 code units (Bot API, `sendMessage` and `sendPhoto`). */
export const TELEGRAM_TEXT_LIMIT = CHANNEL_CAPABILITIES.telegram.text.limit;
export const TELEGRAM_CAPTION_LIMIT = CHANNEL_CAPABILITIES.telegram.caption?.limit ?? TELEGRAM_TEXT_LIMIT;

/** The Bot API's `message_id` in one of our ids of a Telegram message (`<chat id>:<message id>`), or null. */
export function telegramMessageId(externalId: string | undefined): number | null {
  const id = Number(externalId?.slice(externalId.lastIndexOf(':') + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * Sends one message as Bot API calls: text with `sendMessage` (cut into parts), a place with
 * `sendVenue` or `sendLocation`, contact cards with `sendContact`, a file by its kind (see
 * `telegramFileKind`) with its caption and the rest of the text after it.
 */
export async function sendTelegram(call: BotApiCall, message: OutboundMessage): Promise<SendResult> {
  let chatId = message.recipientId;
  const replyTo = telegramMessageId(message.replyToExternalId);
  // A reply to a message deleted meanwhile still goes, as a plain message.
  const reply = (index: number) =>
    replyTo !== null && index === 0 ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
  // A group upgraded to a supergroup answers with its new id: the part goes there, and so does the rest.
  const post = async (method: string, body: (chat: string) => Record<string, unknown> | FormData) => {
    let answer = await call<TelegramMessage>(method, body(chatId));
    if (!answer.ok && answer.migrateTo !== undefined) {
      chatId = answer.migrateTo;
      answer = await call<TelegramMessage>(method, body(chatId));
    }
    return sentMessage(answer);
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
  if (!byUrl && !file.bytes) return refused('NO_PUBLIC_URL', 'The file has neither a public link nor bytes to upload');
  if (file.size > limit) {
    return refused(
      'FILE_TOO_LARGE',
      `Telegram takes such files of at most ${limit / 1024 / 1024} MB ${byUrl ? 'from a URL' : 'uploaded'}; this one is ${file.size} bytes`,
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
