import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { inboxRoutes } from './routes.js';
import { InboxService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each user's own view of their conversations: mute, archive, pin, mark unread, unread totals. */
    inbox: InboxService;
  }
}

export interface InboxPluginOptions {
  limits: RelayConfig['limits'];
  store: Store;
}

/** A user's inbox settings and totals, after messages, whose read receipts clear a mark of unread. */
export const inboxPlugin = fp(
  async (app: FastifyInstance, { limits, store }: InboxPluginOptions) => {
    const inbox = new InboxService(store, app.nodeEvents, { maxPinned: limits.pinnedConversations, rateLimits: app.limits, log: app.log });
    const stopObserving = app.messages.observe({ readBy: (conversationId, userId) => inbox.read(conversationId, userId) });
    app.addHook('onClose', async () => {
      stopObserving();
      await inbox.drain();
    });
    app.decorate('inbox', inbox);
    await app.register(inboxRoutes, { inbox });
  },
  { name: 'chat4all-inbox', dependencies: ['chat4all-app', 'chat4all-messages'] },
);
