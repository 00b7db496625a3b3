import { AuthSession, LoginBody, RefreshBody, RegisterBody, User } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';
import { userIdOf } from '../http/auth-hook.js';
import { NoContent } from '../http/openapi.js';

/** Built-in accounts (`/v1/auth/*`) and `/v1/me`. */
export async function authRoutes(plain: FastifyInstance, { ctx }: { ctx: RelayContext }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/me', { config: { auth: 'user' }, schema: { response: { 200: User } } }, async (request) => {
    const user = await ctx.store.users.get(userIdOf(request));
    if (!user) throw new RelayError('USER_NOT_FOUND');
    return user;
  });
  if (!ctx.config.auth.builtIn) return;
  // Password guessing and account spraying are limited per client IP; guessing one
  // account's password from many addresses, per account (before any hashing).
  const limitLogins = async (request: FastifyRequest) => {
    const refusal = await ctx.limits.login(request.ip);
    if (refusal) throw refusal;
  };
  app.post(
    '/v1/auth/register',
    { onRequest: limitLogins, schema: { body: RegisterBody, response: { 201: AuthSession } } },
    async (request, reply) => {
      const session = await ctx.sessions.register(request.body);
      return reply.status(201).send(session);
    },
  );
  app.post('/v1/auth/login', { onRequest: limitLogins, schema: { body: LoginBody, response: { 200: AuthSession } } }, async (request) => {
    const refusal = await ctx.limits.accountLogin(request.body.username);
    if (refusal) throw refusal;
    return ctx.sessions.login(request.body);
  });
  app.post('/v1/auth/refresh', { onRequest: limitLogins, schema: { body: RefreshBody, response: { 200: AuthSession } } }, async (request) =>
    ctx.sessions.refresh(request.body.refreshToken),
  );
  app.post('/v1/auth/logout', { schema: { body: RefreshBody, response: { 204: NoContent } } }, async (request, reply) => {
    await ctx.sessions.logout(request.body.refreshToken);
    return reply.status(204).send(null);
  });
}
