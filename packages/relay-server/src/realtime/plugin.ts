import type { Presence } from '@chat4all/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Bus, BusEnvelope } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { SpanKind } from '../observability/tracing.js';
import type { SharedState } from '../shared/types.js';
import type { Store } from '../store/types.js';
import { gatewayRoutes } from './gateway.js';
import { Hub } from './hub.js';
import { PresenceTracker } from './presence.js';
import { PresenceWatches } from './presence-watches.js';
import { Replay, ReplayPages } from './resume.js';
import { presenceRoutes } from './routes.js';
import { TypingTracker } from './typing.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's open sockets, by user and by conversation. */
    hub: Hub;
  }
}

export interface RealtimePluginOptions {
  config: Pick<RelayConfig, 'realtime' | 'limits' | 'allowedOrigins'>;
  /** Fan-out from every node to this node's sockets. */
  bus: Bus;
  shared: SharedState;
  /** Replays come from the store. */
  store: Store;
}

/**
 * Live delivery: the WebSocket endpoint, this node's sockets fed from the bus, presence and
 * typing. Registered last: it uses the other features' services, and its close is the last
 * drain, once what the sockets sent is committed: each socket closes with SHUTTING_DOWN (1001).
 */
export const realtimePlugin = fp(
  async (app: FastifyInstance, { config, bus, shared, store }: RealtimePluginOptions) => {
    const { logger: log, metrics, nodeEvents, messages, threads, conversations, pins } = app;
    const hub: Hub = new Hub((connection, userIds) => watches.left(connection, userIds));
    const watches = new PresenceWatches({
      hub,
      sharing: (userId, others) => conversations.sharingConversation(userId, others),
      presence: (userIds) => presence.get(userIds),
      maxPerConnection: config.limits.presenceSubscriptionsPerConnection,
      onError: (err, connection) => log.warn({ err, userId: connection.userId }, 'presence watch check failed'),
    });
    app.decorate('hub', hub);
    metrics.countSocketsWith(() => hub.size);
    const typing = new TypingTracker(
      shared,
      config.realtime.typingExpiryMs,
      (event) => {
        void nodeEvents.publish({ kind: 'conversation', conversationId: event.conversationId, event, exclude: event.userId });
      },
      (err) => log.warn({ err }, 'typing state unavailable'),
    );
    const publishPresence = (presence: Presence) =>
      bus.publish({ kind: 'presence', userId: presence.userId, event: { type: 'presence', ...presence } });
    const presence = new PresenceTracker(
      shared,
      config.realtime,
      (change) => {
        publishPresence(change).catch((err: unknown) => log.error({ err, userId: change.userId }, 'presence publish failed'));
      },
      (err) => log.warn({ err }, 'presence state unavailable'),
    );
    const { tracing } = app;
    // Traced, each node's delivery of a published envelope is a consumer span, the child of the publish.
    const deliver = (envelope: BusEnvelope) => {
      if (!tracing.enabled || envelope.traceparent === undefined) return hub.deliver(envelope);
      const type = envelope.kind === 'conversation' || envelope.kind === 'presence' ? envelope.event.type : envelope.kind;
      return tracing.spanSync(
        `chat4all.fanout ${type}`,
        { kind: SpanKind.CONSUMER, parent: tracing.extract(envelope.traceparent) },
        (span) => {
          const sockets = hub.deliver(envelope);
          span?.setAttribute('chat4all.sockets', sockets);
          return sockets;
        },
      );
    };
    const unsubscribe = bus.subscribe((envelope, publishedAt) => {
      deliver(envelope);
      metrics.fanoutSeconds.observe((performance.timeOrigin + performance.now() - publishedAt) / 1000);
    });
    // This node may have missed fan-out: its clients reconnect and resume from the store.
    const unsubscribeGap = bus.onGap?.(() => {
      log.warn({ sockets: hub.size }, 'fan-out gap: asking clients to resume');
      hub.closeAll(new RelayError('RESUME_REQUIRED'));
    });

    app.addHook('preClose', async () => {
      // What the sockets sent is committed and acked before they are told to go.
      await messages.flush();
      hub.closeAll(new RelayError('SHUTTING_DOWN'));
      // Then what @fastify/websocket does at close: sockets still opening end, and upgrades are refused.
      for (const client of app.websocketServer.clients) client.close();
      app.websocketServer.close();
    });
    app.addHook('onClose', async () => {
      await Promise.all([typing.close(), presence.close()]);
      unsubscribe();
      unsubscribeGap?.();
    });

    await app.register(presenceRoutes, { presence, conversations });
    const pages = new ReplayPages(store);
    await app.register(gatewayRoutes, {
      config,
      log,
      metrics,
      tracing,
      limits: app.limits,
      hub,
      presence,
      watches,
      typing,
      messages,
      pins,
      threads,
      conversations,
      safety: app.safety,
      sessions: app.sessions,
      tokens: app.tokens,
      replay: (connection) => new Replay(store, connection, pages),
      closing: () => app.closing,
    });
  },
  {
    name: 'chat4all-realtime',
    dependencies: ['chat4all-app', 'chat4all-auth', 'chat4all-conversations', 'chat4all-safety', 'chat4all-messages', 'chat4all-pins'],
  },
);
