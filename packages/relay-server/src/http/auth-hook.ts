import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Authenticator, bearer } from '../auth/authenticator.js';
import type { Principal } from '../auth/tokens.js';
import { RelayError, toRelayError } from '../errors.js';

/**
 * Who may call a route: `none` (public), `any` (user token or server API key), `user`,
 * `server`, or `socket` (like `any`, but a failure is kept on the request for the
 * WebSocket handler to report as a close code instead of answering HTTP 401), or
 * `download` (a user token in the header, or a signed link the route checks itself, so an
 * `<img src>` or a link can fetch a file without a token in its URL).
 */
export type RouteAuth = 'none' | 'any' | 'user' | 'server' | 'socket' | 'download';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
    authError: RelayError | undefined;
  }
}

/** An `access_token` in the query, which only WebSocket upgrades may carry (a browser cannot set headers on one). */
function queryToken(request: FastifyRequest): unknown {
  return (request.query as { access_token?: unknown } | undefined)?.access_token;
}

/** The credential of a request: `Authorization: Bearer`, or for WebSocket upgrades `access_token` in the query. */
function credentialOf(request: FastifyRequest, mode: RouteAuth): string | undefined {
  const fromHeader = bearer(request.headers.authorization);
  if (fromHeader || mode !== 'socket') return fromHeader;
  const fromQuery = queryToken(request);
  return typeof fromQuery === 'string' ? fromQuery : undefined;
}

export const authHook = fp(
  async (app: FastifyInstance, { authenticator }: { authenticator: Pick<Authenticator, 'authenticate'> }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('authError', undefined);
    app.addHook('onRequest', async (request) => {
      const mode = request.routeOptions.config.auth ?? 'none';
      if (mode === 'none') return;
      // Anywhere but an upgrade a token in the URL is refused, never read: URLs end up in histories, logs and `Referer` headers.
      if (mode !== 'socket' && queryToken(request) !== undefined)
        throw new RelayError('UNAUTHENTICATED', 'Access tokens are not accepted in URLs; send Authorization: Bearer, or use a signed link');
      // A signed link (a file a member opens or a platform fetches) carries its own proof; the route checks it.
      if (mode === 'download' && typeof (request.query as { signature?: unknown }).signature === 'string') return;
      try {
        const principal = await authenticator.authenticate(credentialOf(request, mode));
        if ((mode === 'user' || mode === 'download') && principal.kind !== 'user')
          throw new RelayError('FORBIDDEN', 'This route needs a user token, not the server API key');
        if (mode === 'server' && principal.kind !== 'server') throw new RelayError('FORBIDDEN', 'This route needs the server API key');
        request.principal = principal;
      } catch (error) {
        if (mode !== 'socket') throw error;
        request.authError = toRelayError(error);
      }
    });
  },
  { name: 'chat4all-auth' },
);

/** The principal of an authenticated route (the hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new RelayError('UNAUTHENTICATED');
  return request.principal;
}

/** The user of a `user` route. */
export function userIdOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.kind !== 'user') throw new RelayError('FORBIDDEN', 'This route needs a user token');
  return principal.userId;
}
