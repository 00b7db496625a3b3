import { Id, MintedToken, MintTokenBody, ServerUser, UpsertUserBody, User } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';
import { principalOf } from '../http/auth-hook.js';
import { checkMetadataSize } from '../limits/errors.js';
import { iso } from '../shared/time.js';

const UserParams = Type.Object({ userId: Id });

/** The server API for the app's backend: upsert users and mint their tokens. Users read profiles. */
export async function userRoutes(plain: FastifyInstance, { ctx }: { ctx: RelayContext }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { metadataMaxBytes } = ctx.config.limits;
  /** The server API key sees a user's private metadata; users (the user included) see only `metadata`. */
  const serverView = async (user: User): Promise<ServerUser> => ({
    ...user,
    privateMetadata: (await ctx.store.users.privateMetadata(user.id)) ?? {},
  });
  app.put(
    '/v1/users/:userId',
    { config: { auth: 'server' }, schema: { params: UserParams, body: UpsertUserBody, response: { 200: ServerUser } } },
    async (request) => {
      checkMetadataSize(request.body.metadata, metadataMaxBytes);
      checkMetadataSize(request.body.privateMetadata, metadataMaxBytes);
      return serverView(await ctx.store.users.upsert({ id: request.params.userId, ...request.body }, Date.now()));
    },
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
      const user = await ctx.store.users.get(request.params.userId);
      if (!user) throw new RelayError('USER_NOT_FOUND', `User ${request.params.userId} not found; PUT /v1/users/:userId first`);
      const minted = await ctx.tokens.mint(user.id, { ttlSeconds: request.body?.ttlSeconds });
      return reply.status(201).send({ token: minted.token, expiresAt: iso(minted.expiresAt) });
    },
  );
  app.get(
    '/v1/users/:userId',
    // The server API key gets `privateMetadata` too.
    { config: { auth: 'any' }, schema: { params: UserParams, response: { 200: Type.Union([ServerUser, User]) } } },
    async (request) => {
      const user = await ctx.store.users.get(request.params.userId);
      if (!user) throw new RelayError('USER_NOT_FOUND', `User ${request.params.userId} not found`);
      return principalOf(request).kind === 'server' ? serverView(user) : user;
    },
  );
}
