import { contentText, type MessageContent } from '@chat4all/protocol';
import type { InboundEvent, InboundFile } from '../types.js';
import type { TelegramCallbackQuery, TelegramFile, TelegramMessage, TelegramReactionUpdate, TelegramUpdate } from './updates.js';

/**
 * Message fields that carry content with no kind of its own here, in the Bot API's order of
 * appearance: a message with one of them (and none of the kinds `TelegramMessage` reads) is
 * `unsupported` with that field's name.
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

/**
 * The events of one Update: a new message, an edit, a reaction, a button press, or a group
 * moved to a supergroup; none for an update of another kind.
 */
export function telegramEvents(body: unknown): InboundEvent[] {
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
