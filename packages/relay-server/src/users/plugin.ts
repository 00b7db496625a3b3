import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/types.js';
import { userRoutes } from './routes.js';
import { UserService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's users: profiles and access tokens. */
    users: UserService;
  }
}

export interface UsersPluginOptions {
  /** Largest user metadata, in bytes of JSON. */
  metadataMaxBytes: number;
  store: Store;
}

/** Users: `/v1/me`, profiles, and the server API that upserts users and mints their tokens (with the auth feature's tokens). */
export const usersPlugin = fp(
  async (app: FastifyInstance, { metadataMaxBytes, store }: UsersPluginOptions) => {
    const users = new UserService(store, app.tokens, metadataMaxBytes, app.limits);
    app.decorate('users', users);
    await app.register(userRoutes, { users });
  },
  { name: 'chat4all-users', dependencies: ['chat4all-auth'] },
);
