import { type Static, Type } from '@sinclair/typebox';

/** App users put in each new contact's conversation (the first one owns it): the agents who answer. */
const channelCommon = {
  /** How the channel account is named in webhook URLs (`/v1/channels/<id>/webhook`) and statuses. */
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  /** App users added to every new contact's conversation; the first owns it. @default [] */
  members: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
  /** Sends per second on this account, across all nodes. @default the platform's published limit */
  sendsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Sends per second to one recipient. @default the platform's published limit */
  sendsPerSecondPerRecipient: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** A base URL other than the platform's (a proxy, or a fake in tests). */
  baseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** When an agent reads a contact's message, mark it read on the platform (WhatsApp, Messenger, Instagram). @default false */
  passReads: Type.Optional(Type.Boolean()),
  /** When an agent types, show typing to the contact (WhatsApp, Telegram, Messenger, Instagram). @default false */
  passTyping: Type.Optional(Type.Boolean()),
};

/** What every Meta channel (WhatsApp, Messenger, Instagram) has: the app's webhook secret and verify token, the Graph API version. */
const metaApp = {
  /** The Meta app secret: webhooks are checked against it (`X-Hub-Signature-256`). */
  appSecret: Type.String({ minLength: 1 }),
  /** What you type as the verify token in the app dashboard's webhook set-up. */
  verifyToken: Type.String({ minLength: 1 }),
  /** Graph API version. @default 'v23.0' */
  apiVersion: Type.Optional(Type.String({ pattern: '^v\\d+\\.\\d+$' })),
};

/** One channel account: a WhatsApp number, a Telegram bot… with its credentials. */
export const ChannelConfigSchema = Type.Union([
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('whatsapp'),
      /** A system-user access token with `whatsapp_business_messaging`. */
      accessToken: Type.String({ minLength: 1 }),
      /** The business phone number's id (not the number). */
      phoneNumberId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('messenger'),
      /** A Page access token with `pages_messaging`. */
      accessToken: Type.String({ minLength: 1 }),
      /** The Facebook Page's id. */
      pageId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('instagram'),
      /** An access token with `instagram_business_manage_messages` (Instagram Login) or a Page token (through a Page). */
      accessToken: Type.String({ minLength: 1 }),
      /** The Instagram professional account's id (or the connected Page's id). */
      accountId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('webhook'),
      /** Where messages to this channel's contacts are POSTed (JSON, signed per Standard Webhooks). */
      url: Type.String({ pattern: '^https?://' }),
      /** Standard Webhooks secret (`whsec_` and base64) shared with the other system, both ways. */
      secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('loopback'),
      /** Standard Webhooks secret for people writing in through the webhook; without it the webhook refuses everything. */
      secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' })),
      /** Delivered this long after each message, read after twice as long. @default 200 */
      statusDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
      /** The contact answers each message with `echo: <text>`. @default false */
      echo: Type.Optional(Type.Boolean()),
      /** Messages containing this text fail, as a platform refusing them would. */
      failWhen: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('telegram'),
      /** The bot token from @BotFather. */
      token: Type.String({ minLength: 1 }),
      /** Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token`; 1–256 of A–Z, a–z, 0–9, _ and -. */
      secretToken: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' }),
      /**
       * `webhook`: Telegram posts updates to `<publicUrl>/v1/channels/<id>/webhook` (the relay calls
       * `setWebhook` at start when `publicUrl` is set). `polling`: the relay long-polls `getUpdates`,
       * for development without a public URL (run one node that polls). @default 'webhook'
       */
      mode: Type.Optional(Type.Union([Type.Literal('webhook'), Type.Literal('polling')], { default: 'webhook' })),
    },
    { additionalProperties: false },
  ),
]);
export type ChannelConfig = Static<typeof ChannelConfigSchema>;
