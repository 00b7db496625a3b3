import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { PreviewService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Link previews of messages' links, found after each append and edit when `previews.enabled`. */
    previews: PreviewService;
  }
}

export interface PreviewsPluginOptions {
  config: RelayConfig['previews'];
  store: Store;
}

/**
 * Link previews, after messages, whose appends and edits it follows. Closing stops the fetches
 * in flight before the store closes.
 */
export const previewsPlugin = fp(
  async (app: FastifyInstance, { config, store }: PreviewsPluginOptions) => {
    const previews = new PreviewService({ store, bus: app.nodeEvents, config, log: app.logger, metrics: app.metrics });
    app.decorate('previews', previews);
    const stopObserving = app.messages.observe({
      appended: (message) => previews.follow(message),
      changed: (change) => {
        if (change.kind === 'edit') previews.follow(change.message);
      },
    });
    app.addHook('preClose', async () => {
      stopObserving();
      await previews.close();
    });
  },
  { name: 'chat4all-previews', dependencies: ['chat4all-app', 'chat4all-messages'] },
);
