import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/types.js';
import { moderationRoutes } from './routes.js';
import { ModerationService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Blocks, mutes, bans and reports; the send path and live delivery ask it what to refuse and hide. */
    moderation: ModerationService;
  }
}

export interface ModerationPluginOptions {
  store: Store;
}

/** Moderation: after conversations, whose access checks and removals it uses; before messages, whose sends it checks. */
export const moderationPlugin = fp(
  async (app: FastifyInstance, { store }: ModerationPluginOptions) => {
    const moderation = new ModerationService(store, app.nodeEvents, app.conversations, app.limits);
    app.decorate('moderation', moderation);
    await app.register(moderationRoutes, { moderation });
  },
  { name: 'chat4all-moderation', dependencies: ['chat4all-app', 'chat4all-conversations'] },
);
