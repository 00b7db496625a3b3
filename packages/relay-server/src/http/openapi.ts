import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The OpenAPI 3.1 document of the REST API, served at `GET /v1/openapi.json` and made by
 * `@fastify/swagger` from the routes' own schemas (the ones requests are validated with, from
 * `@chat4all/protocol`), so it cannot drift from what the relay accepts. Registered before
 * the routes, which it collects as they are added; each route's credential is its security.
 */
export const openApi = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Chat4All relay',
          version: '1',
          description:
            'REST API of the Chat4All relay. The WebSocket protocol and every error code are in docs/protocol.md and docs/errors.md.',
        },
        components: {
          securitySchemes: {
            user: { type: 'http', scheme: 'bearer', description: 'A user access token (JWT)' },
            server: { type: 'http', scheme: 'bearer', description: 'The server API key' },
          },
        },
      },
      transform: ({ schema, url, route }) => {
        const auth = (route.config as { auth?: string } | undefined)?.auth ?? 'none';
        const schemes =
          auth === 'none' ? [] : auth === 'server' ? ['server'] : auth === 'user' || auth === 'download' ? ['user'] : ['user', 'server'];
        const security: Array<Record<string, string[]>> = schemes.map((scheme) => ({ [scheme]: [] }));
        // The WebSocket upgrade and the CORS catch-all are not REST operations.
        const hide = url === '/v1/ws' || url === '*';
        return { schema: { ...schema, security, ...(hide ? { hide: true } : {}) } as typeof schema, url };
      },
    });
    app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'chat4all-openapi' },
);
