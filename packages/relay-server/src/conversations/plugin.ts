import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/types.js';
import { conversationRoutes } from './routes.js';
import { ConversationService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Conversations and their members; `access` is every feature's membership check. */
    conversations: ConversationService;
  }
}

export interface ConversationsPluginOptions {
  /** Largest conversation metadata, in bytes of JSON. */
  metadataMaxBytes: number;
  store: Store;
}

/** Conversations and members: the service every other feature checks membership with, and its routes. */
export const conversationsPlugin = fp(
  async (app: FastifyInstance, { metadataMaxBytes, store }: ConversationsPluginOptions) => {
    const conversations = new ConversationService(store, app.nodeEvents, { metadataMaxBytes, rateLimits: app.limits });
    app.decorate('conversations', conversations);
    await app.register(conversationRoutes, { conversations });
  },
  { name: 'chat4all-conversations', dependencies: ['chat4all-app'] },
);
