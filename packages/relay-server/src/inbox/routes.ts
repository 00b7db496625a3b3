import { ConversationSettings, Id, UnreadTotal, UpdateConversationSettingsBody } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { userIdOf } from '../http/auth-hook.js';
import type { InboxService } from './service.js';

const ConversationParams = Type.Object({ conversationId: Id });

export async function inboxRoutes(plain: FastifyInstance, { inbox }: { inbox: InboxService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/conversations/:conversationId/settings',
    { config: { auth: 'user' }, schema: { params: ConversationParams, response: { 200: ConversationSettings } } },
    async (request) => inbox.get(userIdOf(request), request.params.conversationId),
  );
  app.patch(
    '/v1/conversations/:conversationId/settings',
    {
      config: { auth: 'user' },
      schema: { params: ConversationParams, body: UpdateConversationSettingsBody, response: { 200: ConversationSettings } },
    },
    async (request) => inbox.update(userIdOf(request), request.params.conversationId, request.body),
  );
  app.get('/v1/me/unread', { config: { auth: 'user' }, schema: { response: { 200: UnreadTotal } } }, async (request) =>
    inbox.unreadTotal(userIdOf(request)),
  );
}
