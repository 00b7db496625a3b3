import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import type { Store } from '../store/types.js';
import { moderationRoutes } from './routes.js';
import { ModerationService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Content rules and the before-send hook, asked by the message path before a new message is stored. */
    moderation: ModerationService;
  }
}

export interface ModerationPluginOptions {
  config: RelayConfig['moderation'];
  textMaxLength: number;
  store: Store;
  /** The `fetch` the before-send hook is called with. */
  fetch?: typeof fetch;
}

/** Moderation: registered before messages, whose send path asks it; with the audit route of rejected messages. */
export const moderationPlugin = fp(
  async (app: FastifyInstance, { config, textMaxLength, store, fetch }: ModerationPluginOptions) => {
    const moderation = new ModerationService({ store, config, textMaxLength, metrics: app.metrics, log: app.logger, fetch });
    app.decorate('moderation', moderation);
    await app.register(moderationRoutes, { moderation });
  },
  { name: 'chat4all-moderation', dependencies: ['chat4all-app'] },
);
