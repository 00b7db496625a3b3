export {
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_URL_LIMITS,
  TelegramConnector,
  type TelegramOptions,
  type TelegramUpdate,
  telegramError,
} from './telegram/index.js';
export type * from './types.js';
export {
  WHATSAPP_MEDIA_LIMITS,
  WHATSAPP_TEXT_LIMIT,
  WhatsAppConnector,
  type WhatsAppOptions,
  type WhatsAppWebhook,
  whatsappError,
} from './whatsapp/index.js';
