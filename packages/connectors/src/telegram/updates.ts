/** The Bot API's objects the connector reads (https://core.telegram.org/bots/api#available-types). */

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

export type TelegramFile = { file_id: string; file_unique_id?: string; file_name?: string; mime_type?: string; file_size?: number };

/** The Message fields read here (https://core.telegram.org/bots/api#message). */
export interface TelegramMessage {
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
export type TelegramReaction = { type: 'emoji'; emoji: string } | { type: 'custom_emoji'; custom_emoji_id: string } | { type: 'paid' };

/** MessageReactionUpdated (https://core.telegram.org/bots/api#messagereactionupdated). */
export interface TelegramReactionUpdate {
  chat: TelegramMessage['chat'];
  message_id: number;
  user?: TelegramUser;
  actor_chat?: TelegramMessage['chat'];
  date: number;
  old_reaction: TelegramReaction[];
  new_reaction: TelegramReaction[];
}

/** CallbackQuery (https://core.telegram.org/bots/api#callbackquery): a press of an inline keyboard button. */
export interface TelegramCallbackQuery {
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
export const ALLOWED_UPDATES = ['message', 'edited_message', 'message_reaction', 'callback_query'];
