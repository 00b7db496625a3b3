import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Bus } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import { authHook } from '../http/auth-hook.js';
import type { Secrets } from '../secrets.js';
import type { Store } from '../store/types.js';
import { Authenticator } from './authenticator.js';
import { PasswordHasher } from './passwords.js';
import { authRoutes } from './routes.js';
import { SessionService } from './sessions.js';
import { TokenService } from './tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Access tokens: minted for users, checked on every request and socket renewal. */
    tokens: TokenService;
    /** Built-in logins: register, login, refresh, logout, and whether a login was ended. */
    sessions: SessionService;
  }
}

export interface AuthPluginOptions {
  config: RelayConfig['auth'];
  secrets: Secrets;
  limits: Pick<RelayConfig['limits'], 'passwordHashesInFlight' | 'passwordHashQueue'>;
  store: Store;
  /** Tells every node that a login ended. */
  bus: Pick<Bus, 'publish'>;
}

/**
 * Authentication: the hook that checks each route's credential (`config.auth`), tokens, and
 * the built-in accounts' routes when `auth.builtIn` is on. Password hashing stops when the
 * relay closes, failing what waits with SHUTTING_DOWN.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, { config, secrets, limits, store, bus }: AuthPluginOptions) => {
    const tokens = new TokenService({ ...config, ...secrets });
    const passwords = new PasswordHasher({ inFlight: limits.passwordHashesInFlight, queue: limits.passwordHashQueue });
    const sessions = new SessionService(store.users, tokens, config.refreshTokenTtlSeconds, passwords, { bus, log: app.logger });
    app.decorate('tokens', tokens);
    app.decorate('sessions', sessions);
    app.addHook('onClose', async () => passwords.close());
    await app.register(authHook, { authenticator: new Authenticator(tokens, store.users) });
    if (config.builtIn) await app.register(authRoutes, { sessions, limits: app.limits });
  },
  { name: 'chat4all-auth', dependencies: ['chat4all-app'] },
);
