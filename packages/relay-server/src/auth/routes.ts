import { AuthSession, LoginBody, RefreshBody, RegisterBody } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NoContent } from '../http/openapi.js';
import type { Limits } from '../limits/limits.js';
import type { SessionService } from './sessions.js';

export interface AuthRoutesOptions {
  sessions: SessionService;
  limits: Pick<Limits, 'login' | 'accountLogin'>;
}

/** Built-in accounts (`/v1/auth/*`). */
export async function authRoutes(plain: FastifyInstance, { sessions, limits }: AuthRoutesOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  // Password guessing and account spraying are limited per client IP; guessing one
  // account's password from many addresses, per account (before any hashing).
  const limitLogins = async (request: FastifyRequest) => {
    const refusal = await limits.login(request.ip);
    if (refusal) throw refusal;
  };
  app.post(
    '/v1/auth/register',
    { onRequest: limitLogins, schema: { body: RegisterBody, response: { 201: AuthSession } } },
    async (request, reply) => {
      const session = await sessions.register(request.body);
      return reply.status(201).send(session);
    },
  );
  app.post('/v1/auth/login', { onRequest: limitLogins, schema: { body: LoginBody, response: { 200: AuthSession } } }, async (request) => {
    const refusal = await limits.accountLogin(request.body.username);
    if (refusal) throw refusal;
    return sessions.login(request.body);
  });
  app.post('/v1/auth/refresh', { onRequest: limitLogins, schema: { body: RefreshBody, response: { 200: AuthSession } } }, async (request) =>
    sessions.refresh(request.body.refreshToken),
  );
  app.post('/v1/auth/logout', { schema: { body: RefreshBody, response: { 204: NoContent } } }, async (request, reply) => {
    await sessions.logout(request.body.refreshToken);
    return reply.status(204).send(null);
  });
}
