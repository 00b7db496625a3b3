import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/types.js';
import { searchRoutes } from './routes.js';
import { SearchService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Full-text search over the messages a user can read (`search` is Fastify's SEARCH method). */
    messageSearch: SearchService;
  }
}

export interface SearchPluginOptions {
  store: Store;
}

/** Message search: a read of the store, rate limited per user. */
export const searchPlugin = fp(
  async (app: FastifyInstance, { store }: SearchPluginOptions) => {
    const search = new SearchService(store, app.limits, (userId) => app.safety.hiddenFor(userId));
    app.decorate('messageSearch', search);
    await app.register(searchRoutes, { search });
  },
  { name: 'chat4all-search', dependencies: ['chat4all-app', 'chat4all-safety'] },
);
