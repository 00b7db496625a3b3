import {
  Block,
  BlockList,
  CloseReportBody,
  Id,
  ListReportsQuery,
  MemberRestriction,
  MemberRestrictionList,
  MessageId,
  MuteMemberBody,
  Report,
  ReportMessageBody,
  ReportPage,
} from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, userIdOf } from '../http/auth-hook.js';
import { NoContent } from '../http/openapi.js';
import type { SafetyService } from './service.js';

const BlockParams = Type.Object({ userId: Id });
const ConversationParams = Type.Object({ conversationId: Id });
const MemberParams = Type.Object({ conversationId: Id, userId: Id });
const MessageParams = Type.Object({ conversationId: Id, messageId: MessageId });
const ReportParams = Type.Object({ reportId: Id });

/** Blocks (the caller's own), mutes and bans (a group's admins'), reports (members make them, the server API key works the queue). */
export async function safetyRoutes(plain: FastifyInstance, { safety }: { safety: SafetyService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/v1/me/blocks', { config: { auth: 'user' }, schema: { response: { 200: BlockList } } }, async (request) => ({
    blocks: await safety.blocks(userIdOf(request)),
  }));
  app.put(
    '/v1/me/blocks/:userId',
    { config: { auth: 'user' }, schema: { params: BlockParams, response: { 200: Block, 201: Block } } },
    async (request, reply) => {
      const { block, created } = await safety.block(userIdOf(request), request.params.userId);
      return reply.status(created ? 201 : 200).send(block);
    },
  );
  app.delete(
    '/v1/me/blocks/:userId',
    { config: { auth: 'user' }, schema: { params: BlockParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await safety.unblock(userIdOf(request), request.params.userId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/conversations/:conversationId/restrictions',
    { config: { auth: 'any' }, schema: { params: ConversationParams, response: { 200: MemberRestrictionList } } },
    async (request) => ({ restrictions: await safety.restrictions(principalOf(request), request.params.conversationId) }),
  );
  app.put(
    '/v1/conversations/:conversationId/mutes/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, body: MuteMemberBody, response: { 200: MemberRestriction } } },
    async (request) => {
      const { conversationId, userId } = request.params;
      return safety.mute(principalOf(request), conversationId, userId, request.body.until ?? null);
    },
  );
  app.delete(
    '/v1/conversations/:conversationId/mutes/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await safety.lift(principalOf(request), request.params.conversationId, request.params.userId, 'mute');
      return reply.status(204).send(null);
    },
  );
  app.put(
    '/v1/conversations/:conversationId/bans/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, response: { 200: MemberRestriction } } },
    async (request) => safety.ban(principalOf(request), request.params.conversationId, request.params.userId),
  );
  app.delete(
    '/v1/conversations/:conversationId/bans/:userId',
    { config: { auth: 'any' }, schema: { params: MemberParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await safety.lift(principalOf(request), request.params.conversationId, request.params.userId, 'ban');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/v1/conversations/:conversationId/messages/:messageId/reports',
    { config: { auth: 'user' }, schema: { params: MessageParams, body: ReportMessageBody, response: { 200: Report, 201: Report } } },
    async (request, reply) => {
      const { conversationId, messageId } = request.params;
      const { report, created } = await safety.report(principalOf(request), conversationId, messageId, request.body);
      return reply.status(created ? 201 : 200).send(report);
    },
  );
  app.get(
    '/v1/reports',
    { config: { auth: 'server' }, schema: { querystring: ListReportsQuery, response: { 200: ReportPage } } },
    async (request) => safety.reports(request.query),
  );
  app.patch(
    '/v1/reports/:reportId',
    { config: { auth: 'server' }, schema: { params: ReportParams, body: CloseReportBody, response: { 200: Report } } },
    async (request) => safety.closeReport(request.params.reportId, request.body.status, request.body.note),
  );
}
