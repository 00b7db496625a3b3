import type { Logger } from 'pino';
import type { Channels } from './channels.js';
import type { InboundService } from './inbound.js';
import { usableEvents } from './inbound-events.js';

/**
 * Channel accounts at start. Connectors that report events by themselves (loopback, Telegram
 * in polling mode) hand them to the inbound path through `listen`; a batch the relay could not
 * take is handed over again where the platform allows. Connectors the platform is told the
 * webhook URL through (Telegram in webhook mode) are pointed at this relay's `publicUrl`.
 */
export function startChannels(ctx: {
  channels: Channels;
  inbound: Pick<InboundService, 'ingest'>;
  publicUrl: string | undefined;
  log: Logger;
}): { stop(): void } {
  const dropped = (channelId: string) => (event: unknown, why: string) =>
    ctx.log.warn({ channelId, event, why }, 'channel update passed over: the store cannot take it');
  const stops: Array<() => void> = [];
  for (const channel of ctx.channels.all()) {
    const { connector } = channel;
    if (connector.listen) {
      stops.push(
        connector.listen((events) =>
          ctx.inbound.ingest(channel, usableEvents(events, dropped(channel.id))).catch((err: unknown) => {
            ctx.log.error({ err, channelId: channel.id }, 'channel events failed');
            throw err;
          }),
        ),
      );
    }
    if (connector.register && ctx.publicUrl) {
      const url = `${ctx.publicUrl}/v1/channels/${channel.id}/webhook`;
      void connector.register(url).then(
        (result) => {
          if (result.ok) ctx.log.info({ channelId: channel.id, url }, 'channel webhook set');
          else ctx.log.error({ channelId: channel.id, error: result.error }, 'setting the channel webhook failed');
        },
        (err: unknown) => ctx.log.error({ err, channelId: channel.id }, 'setting the channel webhook failed'),
      );
    }
  }
  return {
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}
