import { Id, MessageId, Pin, PinBody, PinList } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../http/auth-hook.js';
import { NoContent } from '../http/openapi.js';
import type { PinService } from './service.js';

const ConversationParams = Type.Object({ conversationId: Id });
const PinParams = Type.Object({ conversationId: Id, messageId: MessageId });

export async function pinRoutes(plain: FastifyInstance, { pins: service }: { pins: PinService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/conversations/:conversationId/pins',
    { config: { auth: 'any' }, schema: { params: ConversationParams, response: { 200: PinList } } },
    async (request) => ({ pins: await service.list(principalOf(request), request.params.conversationId) }),
  );
  // PUT and DELETE on the pin itself: repeating either changes nothing more.
  app.put(
    '/v1/conversations/:conversationId/pins/:messageId',
    {
      config: { auth: 'any' },
      schema: { params: PinParams, body: PinBody, response: { 200: Pin } },
      // The body is optional: a PUT without one pins for good.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => service.pin(principalOf(request), request.params.conversationId, request.params.messageId, request.body?.until),
  );
  app.delete(
    '/v1/conversations/:conversationId/pins/:messageId',
    { config: { auth: 'any' }, schema: { params: PinParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await service.unpin(principalOf(request), request.params.conversationId, request.params.messageId);
      return reply.status(204).send(null);
    },
  );
}
