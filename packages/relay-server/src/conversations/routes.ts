import {
  AddMembersBody,
  Conversation,
  ConversationDetail,
  ConversationPage,
  CreateConversationBody,
  Id,
  ListConversationsQuery,
  Member,
  MemberList,
  UpdateConversationBody,
  UpdateMemberBody,
} from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, userIdOf } from '../http/auth-hook.js';
import { NoContent } from '../http/openapi.js';
import type { ConversationService } from './service.js';

const ConversationParams = Type.Object({ conversationId: Id });
const MemberParams = Type.Object({ conversationId: Id, userId: Id });

export async function conversationRoutes(
  plain: FastifyInstance,
  { conversations: service }: { conversations: ConversationService },
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/conversations',
    { config: { auth: 'user' }, schema: { querystring: ListConversationsQuery, response: { 200: ConversationPage } } },
    async (request) => service.list(userIdOf(request), request.query),
  );
  app.post(
    '/v1/conversations',
    { config: { auth: 'any' }, schema: { body: CreateConversationBody, response: { 200: ConversationDetail, 201: ConversationDetail } } },
    async (request, reply) => {
      const { conversation, created } = await service.create(principalOf(request), request.body);
      return reply.status(created ? 201 : 200).send(conversation);
    },
  );
  app.get(
    '/v1/conversations/:conversationId',
    { config: { auth: 'any' }, schema: { params: ConversationParams, response: { 200: ConversationDetail } } },
    async (request) => service.get(principalOf(request), request.params.conversationId),
  );
  app.patch(
    '/v1/conversations/:conversationId',
    { config: { auth: 'any' }, schema: { params: ConversationParams, body: UpdateConversationBody, response: { 200: Conversation } } },
    async (request) => service.update(principalOf(request), request.params.conversationId, request.body),
  );
  app.get(
    '/v1/conversations/:conversationId/members',
    { config: { auth: 'any' }, schema: { params: ConversationParams, response: { 200: MemberList } } },
    async (request) => ({
      members: await service.members(principalOf(request), request.params.conversationId),
    }),
  );
  app.post(
    '/v1/conversations/:conversationId/members',
    { config: { auth: 'any' }, schema: { params: ConversationParams, body: AddMembersBody, response: { 200: MemberList } } },
    async (request) => ({ members: await service.addMembers(principalOf(request), request.params.conversationId, request.body) }),
  );
  app.patch(
    '/v1/conversations/:conversationId/members/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, body: UpdateMemberBody, response: { 200: Member } } },
    async (request) => service.setRole(principalOf(request), request.params.conversationId, request.params.userId, request.body.role),
  );
  app.delete(
    '/v1/conversations/:conversationId/members/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await service.removeMember(principalOf(request), request.params.conversationId, request.params.userId);
      return reply.status(204).send(null);
    },
  );
}
