import { LoopbackConnector, type LoopbackOptions } from './loopback/index.js';
import { InstagramConnector, MessengerConnector, type MetaSendOptions } from './meta/index.js';
import { TelegramConnector, type TelegramOptions } from './telegram/index.js';
import type { Connector } from './types.js';
import { GenericWebhookConnector, type GenericWebhookOptions } from './webhook/index.js';
import { WhatsAppConnector, type WhatsAppOptions } from './whatsapp/index.js';

export { LoopbackConnector, type LoopbackOptions } from './loopback/index.js';
export {
  InstagramConnector,
  META_LIMITS,
  MessengerConnector,
  type MetaAppOptions,
  type MetaMessagingWebhook,
  MetaSendConnector,
  type MetaSendOptions,
  messagingWindow,
  metaSendError,
  verifyMetaChallenge,
  verifyMetaSignature,
} from './meta/index.js';
export { sendParts } from './parts.js';
export {
  TELEGRAM_CAPTION_LIMIT,
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_URL_LIMITS,
  TelegramConnector,
  type TelegramOptions,
  type TelegramUpdate,
  telegramError,
  telegramMessageId,
} from './telegram/index.js';
export { measure, splitText, type TextUnit } from './text.js';
export type * from './types.js';
export {
  type GenericInbound,
  type GenericOutbound,
  GenericWebhookConnector,
  type GenericWebhookOptions,
  httpError,
  parseGenericInbound,
} from './webhook/index.js';
export { generateWebhookSecret, signWebhook, verifyStandardWebhook } from './webhook/standard.js';
export {
  WHATSAPP_CAPTION_LIMIT,
  WHATSAPP_MEDIA_LIMITS,
  WHATSAPP_TEXT_LIMIT,
  WhatsAppConnector,
  type WhatsAppOptions,
  type WhatsAppWebhook,
  whatsappError,
} from './whatsapp/index.js';

/** A channel account's connector settings, by platform, as the relay's `channels[]` config holds them. */
export type ConnectorConfig =
  | ({ type: 'whatsapp' } & WhatsAppOptions)
  | ({ type: 'telegram' } & TelegramOptions)
  | ({ type: 'messenger' } & MetaSendOptions)
  | ({ type: 'instagram' } & MetaSendOptions)
  | ({ type: 'webhook' } & GenericWebhookOptions)
  | ({ type: 'loopback' } & LoopbackOptions);

/** The connector for a channel account's settings. */
export function createConnector(config: ConnectorConfig): Connector {
  switch (config.type) {
    case 'whatsapp':
      return new WhatsAppConnector(config);
    case 'telegram':
      return new TelegramConnector(config);
    case 'messenger':
      return new MessengerConnector(config);
    case 'instagram':
      return new InstagramConnector(config);
    case 'webhook':
      return new GenericWebhookConnector(config);
    case 'loopback':
      return new LoopbackConnector(config);
  }
}
