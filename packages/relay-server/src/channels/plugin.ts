import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { WorkQueue } from '../queue/types.js';
import type { SharedState } from '../shared/types.js';
import type { Store } from '../store/types.js';
import { ChannelChanges } from './changes.js';
import { Channels } from './channels.js';
import { ContactService } from './contacts.js';
import { DeliveryService } from './deliveries.js';
import { Dispatcher, type DispatchItem } from './dispatcher.js';
import { ChannelHealthService } from './health.js';
import { InboundService } from './inbound.js';
import { channelRoutes } from './routes.js';
import { ChannelSignals } from './signals.js';
import { startChannels } from './start.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Channel deliveries of messages to contacts: their statuses and the dead-letter queue. */
    deliveries: DeliveryService;
  }
}

export interface ChannelsPluginOptions {
  config: Pick<RelayConfig, 'channels' | 'dispatch' | 'publicUrl'>;
  store: Store;
  shared: SharedState;
  dispatchQueue: WorkQueue<DispatchItem>;
  /** The `fetch` connectors call platforms with. */
  fetch?: typeof fetch;
}

/**
 * Channels: connectors started, inbound events into the message path, outbound dispatch to
 * contacts (after messages, conversations and uploads, whose services it uses). Stops taking
 * platforms' events and dispatching before what was sent is flushed.
 */
export const channelsPlugin = fp(
  async (app: FastifyInstance, { config, store, shared, dispatchQueue, fetch }: ChannelsPluginOptions) => {
    const { logger: log, metrics, nodeEvents, messages, conversations, uploads } = app;
    // Traced, each platform call is a client span of the dispatch attempt or webhook it serves.
    const channels = new Channels(config.channels, app.tracing.enabled ? app.tracing.fetch(fetch ?? globalThis.fetch) : fetch);
    // The app users each channel puts in new contacts' conversations exist before the first webhook.
    for (const userId of new Set(config.channels.flatMap((c) => c.members ?? []))) await store.users.ensure(userId, null, Date.now());
    const deliveries = new DeliveryService(store.deliveries, nodeEvents, log);
    const signals = new ChannelSignals({ store, channels, log });
    const changes = new ChannelChanges({ store, channels, metrics, log });
    const health = new ChannelHealthService({
      store,
      channels,
      metrics,
      log,
      onChange: (channel) => nodeEvents.channelHealth(channel),
      wake: () => dispatcher.wake(),
    });
    const { publicUrl } = config;
    const dispatcher = new Dispatcher({
      store,
      channels,
      deliveries,
      health,
      shared,
      queue: dispatchQueue,
      config: config.dispatch,
      metrics,
      log,
      tracing: app.tracing,
      // Platforms may fetch a file for a day (WhatsApp and Telegram fetch within minutes).
      fileUrl: async (uploadId) => (publicUrl ? `${publicUrl}${uploads.signedPath(uploadId, Date.now() + 24 * 3600_000)}` : null),
      fileBytes: async (uploadId) => Buffer.concat(await (await uploads.storage.read(uploadId)).toArray()),
    });
    const inbound = new InboundService({
      store,
      channels,
      messages,
      conversations,
      deliveries,
      uploads,
      safety: app.safety,
      log,
      onContactCreated: (contact) => nodeEvents.contactCreated(contact),
    });
    messages.observe({
      // A contact wrote: a resolved conversation is open again. Only a message appended now, not a webhook's retry.
      appended: (message) => {
        if (!message.senderId?.startsWith('contact:')) return;
        conversations
          .reopen(message.conversationId)
          .catch((err: unknown) => log.warn({ err, conversationId: message.conversationId }, 'reopening a resolved conversation failed'));
      },
      dispatching: (message) => {
        // The send's trace context, for the attempts this node queues: their spans join the send's trace.
        app.tracing.remember(message.id);
        dispatcher.wake();
      },
      changed: (change) => changes.pass(change),
      read: (conversationId, userId, readSeq) => {
        if (!userId.startsWith('contact:')) signals.read(conversationId, readSeq);
      },
    });
    // Typing is passed on where it is published; a contact's own typing came from its platform.
    nodeEvents.observe({
      published: (envelope) => {
        if (envelope.kind !== 'conversation' || envelope.event.type !== 'typing') return;
        const { event } = envelope;
        if (!event.userId.startsWith('contact:')) signals.typing(event.conversationId, event.active);
      },
    });
    metrics.countDeadLettersWith(() => deliveries.countDeadLetters());
    app.decorate('deliveries', deliveries);

    let running: { stop(): void } | undefined;
    // Started once every feature is in place, so what the platforms report meets the whole relay.
    app.addHook('onReady', async () => {
      running = startChannels({ channels, inbound, publicUrl, log });
      dispatcher.start();
    });
    app.addHook('preClose', async () => {
      running?.stop();
      await dispatcher.close();
      await signals.settled();
      await changes.settled();
    });
    await app.register(channelRoutes, {
      channels,
      inbound,
      contacts: new ContactService(store, channels),
      deliveries,
      health,
      dispatcher,
      conversations,
      metrics,
    });
  },
  {
    name: 'chat4all-channels',
    dependencies: ['chat4all-app', 'chat4all-messages', 'chat4all-conversations', 'chat4all-safety', 'chat4all-uploads'],
  },
);
