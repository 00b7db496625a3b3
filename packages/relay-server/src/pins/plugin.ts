import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { pinRoutes } from './routes.js';
import { PinService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Pinned messages: pin, unpin and list. */
    pins: PinService;
  }
}

export interface PinsPluginOptions {
  limits: Pick<RelayConfig['limits'], 'pinsPerConversation'>;
  store: Store;
}

/** Pinned messages, after conversations, whose membership check it uses. */
export const pinsPlugin = fp(
  async (app: FastifyInstance, { limits, store }: PinsPluginOptions) => {
    const pins = new PinService(store, app.nodeEvents, app.conversations, {
      maxPerConversation: limits.pinsPerConversation,
      rateLimits: app.limits,
      log: app.logger,
    });
    app.decorate('pins', pins);
    await app.register(pinRoutes, { pins });
  },
  { name: 'chat4all-pins', dependencies: ['chat4all-app', 'chat4all-conversations'] },
);
