import { type Connector, createConnector } from '@chat4all/connectors';
import type { ChannelIdentity, ChannelType, Contact } from '@chat4all/protocol';
import type { ChannelConfig } from '../config.js';
import { RelayError } from '../errors.js';
import type { Rate } from '../shared/types.js';

/**
 * Send rates the platforms publish, used unless a channel account sets its own:
 * - WhatsApp Cloud API: 80 messages/s per business number; to one user, 1 message per 6 s
 *   with bursts of up to 45 (https://developers.facebook.com/docs/whatsapp/throughput,
 *   "pair rate limits").
 * - Telegram Bot API: about 30 messages/s per bot, 1 message/s per chat
 *   (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
 * - Messenger and Instagram: the Send API's per-Page and per-account call limits (about 250
 *   and 100 calls/s: https://developers.facebook.com/docs/graph-api/overview/rate-limiting);
 *   a person gets at most a message a second from us here.
 */
export const PLATFORM_RATES: Record<ChannelType, { account: Rate; recipient: Rate; group?: Rate }> = {
  whatsapp: { account: { perMinute: 80 * 60, burst: 80 }, recipient: { perMinute: 10, burst: 45 } },
  // Groups: "no more than 20 messages per minute".
  telegram: { account: { perMinute: 30 * 60, burst: 30 }, recipient: { perMinute: 60, burst: 3 }, group: { perMinute: 20, burst: 1 } },
  messenger: { account: { perMinute: 250 * 60, burst: 250 }, recipient: { perMinute: 60, burst: 10 } },
  instagram: { account: { perMinute: 100 * 60, burst: 100 }, recipient: { perMinute: 60, burst: 10 } },
  webhook: { account: { perMinute: 600 * 60, burst: 600 }, recipient: { perMinute: 600, burst: 60 } },
  loopback: { account: { perMinute: 600 * 60, burst: 600 }, recipient: { perMinute: 600, burst: 60 } },
};

/** One configured channel account: its settings, its connector and its send rates. */
export interface Channel {
  readonly id: string;
  readonly type: ChannelType;
  readonly config: ChannelConfig;
  readonly connector: Connector;
  /** `group`: to a group chat, where the platform has a rate of its own (Telegram). */
  readonly rates: { account: Rate; recipient: Rate; group: Rate };
}

function connectorOf(config: ChannelConfig, fetcher: typeof fetch | undefined): Connector {
  switch (config.type) {
    case 'whatsapp': {
      const { accessToken, phoneNumberId, appSecret, verifyToken, baseUrl, apiVersion } = config;
      return createConnector({ type: 'whatsapp', accessToken, phoneNumberId, appSecret, verifyToken, baseUrl, apiVersion, fetch: fetcher });
    }
    case 'telegram': {
      const { token, secretToken, baseUrl, mode } = config;
      return createConnector({ type: 'telegram', token, secretToken, baseUrl, mode, fetch: fetcher });
    }
    case 'messenger': {
      const { accessToken, pageId, appSecret, verifyToken, baseUrl, apiVersion } = config;
      return createConnector({
        type: 'messenger',
        accessToken,
        accountId: pageId,
        appSecret,
        verifyToken,
        baseUrl,
        apiVersion,
        fetch: fetcher,
      });
    }
    case 'webhook':
      return createConnector({ type: 'webhook', url: config.url, secret: config.secret, fetch: fetcher });
    case 'loopback': {
      const { secret, statusDelayMs, echo, failWhen } = config;
      return createConnector({ type: 'loopback', secret, statusDelayMs, echo, failWhen });
    }
    case 'instagram': {
      const { accessToken, accountId, appSecret, verifyToken, baseUrl, apiVersion } = config;
      return createConnector({ type: 'instagram', accessToken, accountId, appSecret, verifyToken, baseUrl, apiVersion, fetch: fetcher });
    }
  }
}

function rate(perSecond: number | undefined, fallback: Rate): Rate {
  return perSecond === undefined ? fallback : { perMinute: perSecond * 60, burst: Math.max(1, Math.ceil(perSecond)) };
}

/** The channel accounts of this relay, by id. */
export class Channels {
  readonly #byId = new Map<string, Channel>();

  constructor(configs: readonly ChannelConfig[], fetcher?: typeof fetch) {
    for (const config of configs) {
      const published = PLATFORM_RATES[config.type];
      this.#byId.set(config.id, {
        id: config.id,
        type: config.type,
        config,
        connector: connectorOf(config, fetcher),
        rates: {
          account: rate(config.sendsPerSecond, published.account),
          recipient: rate(config.sendsPerSecondPerRecipient, published.recipient),
          group: rate(config.sendsPerSecondPerRecipient, published.group ?? published.recipient),
        },
      });
    }
  }

  get size(): number {
    return this.#byId.size;
  }

  all(): Channel[] {
    return [...this.#byId.values()];
  }

  get(id: string): Channel | undefined {
    return this.#byId.get(id);
  }

  /** The channel account a contact is reached on: its preferred one, else the one it last wrote on, among those configured. */
  routeFor(contact: Contact): { channel: Channel; identity: ChannelIdentity } | null {
    const usable = contact.identities.filter((identity) => this.#byId.has(identity.channelId));
    const preferred = usable.find((identity) => identity.channelId === contact.preferredChannelId);
    const latest = [...usable].sort((a, b) => (b.lastInboundAt ?? '').localeCompare(a.lastInboundAt ?? ''))[0];
    const identity = preferred ?? latest;
    return identity ? { channel: this.#byId.get(identity.channelId) as Channel, identity } : null;
  }

  require(id: string): Channel {
    const channel = this.#byId.get(id);
    if (!channel) throw new RelayError('CHANNEL_NOT_FOUND', `No channel account ${JSON.stringify(id)} is configured`);
    return channel;
  }
}
