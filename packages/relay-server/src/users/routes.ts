import { Id, MintedToken, MintTokenBody, ServerUser, UpsertUserBody, User, UserDirectoryQuery, UserPage } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, userIdOf } from '../http/auth-hook.js';
import { iso } from '../shared/time.js';
import type { UserService } from './service.js';

const UserParams = Type.Object({ userId: Id });

/** `/v1/me`; the server API for the app's backend: upsert users and mint their tokens. Users read profiles. */
export async function userRoutes(plain: FastifyInstance, { users }: { users: UserService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/me', { config: { auth: 'user' }, schema: { response: { 200: User } } }, async (request) => users.get(userIdOf(request)));
  app.put(
    '/v1/users/:userId',
    { config: { auth: 'server' }, schema: { params: UserParams, body: UpsertUserBody, response: { 200: ServerUser } } },
    async (request) => users.upsert({ id: request.params.userId, ...request.body }),
  );
  app.post(
    '/v1/users/:userId/tokens',
    {
      config: { auth: 'server' },
      schema: { params: UserParams, body: MintTokenBody, response: { 201: MintedToken } },
      // Every field is optional, so no body at all is an empty one.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const minted = await users.mintToken(request.params.userId, request.body?.ttlSeconds);
      return reply.status(201).send({ token: minted.token, expiresAt: iso(minted.expiresAt) });
    },
  );
  app.get(
    '/v1/users',
    { config: { auth: 'any' }, schema: { querystring: UserDirectoryQuery, response: { 200: UserPage } } },
    async (request) => users.directory(principalOf(request), request.query),
  );
  app.get(
    '/v1/users/:userId',
    // The server API key gets `privateMetadata` too.
    { config: { auth: 'any' }, schema: { params: UserParams, response: { 200: Type.Union([ServerUser, User]) } } },
    async (request) => {
      const user = await users.get(request.params.userId, `User ${request.params.userId} not found`);
      return principalOf(request).kind === 'server' ? users.serverView(user) : user;
    },
  );
}
