import { SearchMessagesQuery, SearchPage } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { userIdOf } from '../http/auth-hook.js';
import type { SearchService } from './service.js';

export async function searchRoutes(plain: FastifyInstance, { search }: { search: SearchService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/search/messages',
    { config: { auth: 'user' }, schema: { querystring: SearchMessagesQuery, response: { 200: SearchPage } } },
    async (request) => search.messages(userIdOf(request), request.query),
  );
}
