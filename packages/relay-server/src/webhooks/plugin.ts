import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { webhookRoutes } from './routes.js';
import { WebhookService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** App webhooks: the endpoints, and the calls that report this node's events to them. */
    webhooks: WebhookService;
  }
}

export interface WebhooksPluginOptions {
  config: RelayConfig['webhooks'];
  store: Store;
  /** The `fetch` endpoints are called with. */
  fetch?: typeof fetch;
}

/**
 * App webhooks: an observer of what this node publishes and reports (each change is reported
 * once, by the node where it happened), its endpoints' routes, and the calls' delivery loop,
 * stopped before the last batches are flushed.
 */
export const webhooksPlugin = fp(
  async (app: FastifyInstance, { config, store, fetch }: WebhooksPluginOptions) => {
    const webhooks = new WebhookService({ store, config, log: app.logger, metrics: app.metrics, fetch, tracing: app.tracing });
    app.decorate('webhooks', webhooks);
    const stopObserving = app.nodeEvents.observe({
      published: (envelope) => webhooks.observe(envelope),
      channelHealth: (channel) => webhooks.emit('channel.health', `channel.health:${channel.id}:${randomUUID()}`, { channel }),
      contactCreated: (contact) => webhooks.emit('contact.created', `contact.created:${contact.id}`, { contact }),
    });
    const stopReports = app.safety.observe({
      reportCreated: (report) => webhooks.emit('report.created', `report.created:${report.id}`, { report }),
    });
    webhooks.start();
    app.addHook('preClose', async () => {
      await webhooks.close();
    });
    app.addHook('onClose', async () => {
      stopObserving();
      stopReports();
    });
    await app.register(webhookRoutes, { webhooks });
  },
  { name: 'chat4all-webhooks', dependencies: ['chat4all-app', 'chat4all-safety'] },
);
