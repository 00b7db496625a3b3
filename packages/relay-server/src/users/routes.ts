import { Id, MintTokenBody, UpsertUserBody } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';
import { iso } from '../store/rows.js';

const UserParams = Type.Object({ userId: Id });

/** The server API for the app's backend: upsert users and mint their tokens. Users read profiles. */
export async function userRoutes(plain: FastifyInstance, { ctx }: { ctx: RelayContext }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.put('/v1/users/:userId', { config: { auth: 'server' }, schema: { params: UserParams, body: UpsertUserBody } }, async (request) =>
    ctx.store.upsertUser({ id: request.params.userId, ...request.body }, Date.now()),
  );
  app.post(
    '/v1/users/:userId/tokens',
    { config: { auth: 'server' }, schema: { params: UserParams, body: Type.Optional(MintTokenBody) } },
    async (request, reply) => {
      const user = await ctx.store.getUser(request.params.userId);
      if (!user) throw new RelayError('USER_NOT_FOUND', `User ${request.params.userId} not found; PUT /v1/users/:userId first`);
      const minted = await ctx.tokens.mint(user.id, { ttlSeconds: request.body?.ttlSeconds });
      return reply.status(201).send({ token: minted.token, expiresAt: iso(minted.expiresAt) });
    },
  );
  app.get('/v1/users/:userId', { config: { auth: 'any' }, schema: { params: UserParams } }, async (request) => {
    const user = await ctx.store.getUser(request.params.userId);
    if (!user) throw new RelayError('USER_NOT_FOUND', `User ${request.params.userId} not found`);
    return user;
  });
}
