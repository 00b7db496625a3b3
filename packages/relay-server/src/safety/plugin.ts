import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/types.js';
import { safetyRoutes } from './routes.js';
import { SafetyService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Blocks, mutes, bans and reports; the send path and live delivery ask it what to refuse and hide. */
    safety: SafetyService;
  }
}

export interface SafetyPluginOptions {
  store: Store;
}

/** Safety: after conversations, whose access checks and removals it uses; before messages, whose sends it checks. */
export const safetyPlugin = fp(
  async (app: FastifyInstance, { store }: SafetyPluginOptions) => {
    const safety = new SafetyService(store, app.nodeEvents, app.conversations, app.limits);
    app.decorate('safety', safety);
    await app.register(safetyRoutes, { safety });
  },
  { name: 'chat4all-safety', dependencies: ['chat4all-app', 'chat4all-conversations'] },
);
