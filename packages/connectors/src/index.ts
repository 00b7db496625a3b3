export {
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_URL_LIMITS,
  TelegramConnector,
  type TelegramOptions,
  type TelegramUpdate,
  telegramError,
} from './telegram/index.js';
export type * from './types.js';
