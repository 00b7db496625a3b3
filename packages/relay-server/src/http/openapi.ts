import { STATUS_CODES } from 'node:http';
import { ErrorResponse } from '@chat4all/protocol';
import swagger from '@fastify/swagger';
import { Type } from '@sinclair/typebox';
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
        return {
          schema: { ...schema, security, response: documentedResponses(schema.response), ...(hide ? { hide: true } : {}) } as typeof schema,
          url,
        };
      },
    });
    app.get('/v1/openapi.json', { schema: { response: { 200: Type.Unknown({ description: 'This document' }) } } }, async () =>
      app.swagger(),
    );
  },
  { name: 'chat4all-openapi' },
);

/** The response schema of a route that answers `204` with no body. */
export const NoContent = Type.Null({ description: 'No content' });

/** The response schema of a route that answers plain text. */
export function plainText(description: string) {
  return { description, content: { 'text/plain': { schema: Type.String() } } };
}

/**
 * A route's responses as the document shows them: each success named by its status where the
 * route gave no description, and every error as the one error body (the codes are in docs/errors.md).
 * Copies: the route's own schemas also compile its serializers.
 */
function documentedResponses(response: unknown): Record<string, unknown> | undefined {
  if (!response || typeof response !== 'object') return undefined;
  const documented: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response as Record<string, Record<string, unknown>>))
    documented[status] = { description: STATUS_CODES[Number(status)] ?? status, ...schema };
  documented.default = {
    ...ErrorResponse,
    description: "An error: `{ code, message, retryable, details? }` with the code's status (docs/errors.md)",
  };
  return documented;
}
