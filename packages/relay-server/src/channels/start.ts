import { TelegramConnector } from '@chat4all/connectors';
import type { RelayContext } from '../context.js';
import { backoffDelay } from './dispatcher.js';
import { usableEvents } from './inbound-events.js';

/** Waits between failed `getUpdates` calls: full jitter up to 0.5 s, doubling, at most 30 s. */
const POLL_BACKOFF = { baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Channel accounts at start. Connectors that report events by themselves (loopback) hand
 * them to the inbound path. Telegram accounts: in `webhook` mode with a `publicUrl`, points the bot's
 * webhook at this relay (with the secret token); in `polling` mode, long-polls `getUpdates`
 * and feeds the updates to the same inbound path (development without a public URL; run one
 * polling node, since Telegram serves one `getUpdates` caller at a time).
 */
export function startChannels(ctx: Pick<RelayContext, 'channels' | 'inbound' | 'config' | 'log'>): { stop(): void } {
  const controller = new AbortController();
  const dropped = (channelId: string) => (event: unknown, why: string) =>
    ctx.log.warn({ channelId, event, why }, 'channel update passed over: the store cannot take it');
  const stops: Array<() => void> = [];
  for (const channel of ctx.channels.all()) {
    const { connector, config } = channel;
    if (connector.listen) {
      stops.push(
        connector.listen((events) =>
          ctx.inbound
            .ingest(channel, usableEvents(events, dropped(channel.id)))
            .catch((err: unknown) => ctx.log.error({ err, channelId: channel.id }, 'channel events failed')),
        ),
      );
    }
    if (config.type !== 'telegram' || !(connector instanceof TelegramConnector)) continue;
    if ((config.mode ?? 'webhook') === 'webhook') {
      if (!ctx.config.publicUrl) continue;
      const url = `${ctx.config.publicUrl}/v1/channels/${channel.id}/webhook`;
      void connector.setWebhook(url).then((result) => {
        if (result.ok) ctx.log.info({ channelId: channel.id, url }, 'telegram webhook set');
        else ctx.log.error({ channelId: channel.id, error: result.error }, 'telegram setWebhook failed');
      });
      continue;
    }
    void (async () => {
      let offset = 0;
      let failures = 0;
      while (!controller.signal.aborted) {
        const result = await connector.poll(offset, 25, controller.signal);
        if (controller.signal.aborted) return;
        try {
          if ('error' in result) throw new Error(result.error.message);
          await ctx.inbound.ingest(channel, usableEvents(result.events, dropped(channel.id)));
          offset = result.nextOffset;
          failures = 0;
        } catch (err) {
          failures++;
          ctx.log.warn({ err, channelId: channel.id }, 'telegram polling failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures, POLL_BACKOFF)).unref());
        }
      }
    })();
  }
  return {
    stop: () => {
      controller.abort();
      for (const stop of stops) stop();
    },
  };
}
