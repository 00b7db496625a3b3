import { ConversationRetention, DataExport, ErasureResult, Id, SetRetentionBody } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { userIdOf } from '../http/auth-hook.js';
import type { PrivacyService } from './service.js';

const ExportParams = Type.Object({ exportId: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
const UserParams = Type.Object({ userId: Id });
const UserExportParams = Type.Object({ userId: Id, exportId: Type.String({ pattern: '^[0-9a-f]{32}$' }) });
const ContactParams = Type.Object({ contactId: Id });
const ConversationParams = Type.Object({ conversationId: Id });
const ArchiveQuery = Type.Object({
  user: Type.Optional(Type.String({ maxLength: 128 })),
  expires: Type.Optional(Type.String({ maxLength: 20 })),
  signature: Type.Optional(Type.String({ maxLength: 128 })),
});

/**
 * A person's data: exports (self-service and for the app's backend), the signed archive
 * download, erasure of a user or contact, and a conversation's own retention.
 */
export async function privacyRoutes(plain: FastifyInstance, { privacy }: { privacy: PrivacyService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.post('/v1/me/exports', { config: { auth: 'user' }, schema: { response: { 202: DataExport } } }, async (request, reply) =>
    reply.status(202).send(await privacy.requestExport(userIdOf(request))),
  );
  app.get(
    '/v1/me/exports/:exportId',
    { config: { auth: 'user' }, schema: { params: ExportParams, response: { 200: DataExport } } },
    async (request) => privacy.exportOf(userIdOf(request), request.params.exportId),
  );
  app.post(
    '/v1/users/:userId/exports',
    { config: { auth: 'server' }, schema: { params: UserParams, response: { 202: DataExport } } },
    async (request, reply) => reply.status(202).send(await privacy.requestExport(request.params.userId)),
  );
  app.get(
    '/v1/users/:userId/exports/:exportId',
    { config: { auth: 'server' }, schema: { params: UserExportParams, response: { 200: DataExport } } },
    async (request) => privacy.exportOf(request.params.userId, request.params.exportId),
  );
  // On the plain instance: the reply is a stream, which the typed one would check against the schema's string.
  plain.get<{ Params: { exportId: string }; Querystring: { user?: string; expires?: string; signature?: string } }>(
    '/v1/exports/:exportId/archive',
    {
      exposeHeadRoute: false,
      // The signed link is the credential: a browser follows it without a token.
      config: { auth: 'none' },
      schema: {
        params: ExportParams,
        querystring: ArchiveQuery,
        response: {
          200: { description: 'The archive: a gzip’d tar', content: { 'application/gzip': { schema: Type.String({ format: 'binary' }) } } },
        },
      },
    },
    async (request, reply) => {
      const { record, bytes } = await privacy.archive(request.params.exportId, request.query);
      reply.header('content-type', 'application/gzip');
      reply.header('content-disposition', `attachment; filename="chat4all-export-${record.id}.tar.gz"`);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('cache-control', 'private, no-store');
      if (record.size !== null) reply.header('content-length', record.size);
      return reply.send(bytes);
    },
  );
  app.post(
    '/v1/users/:userId/erase',
    { config: { auth: 'server' }, schema: { params: UserParams, response: { 200: ErasureResult } } },
    async (request) => privacy.erase(request.params.userId, 'user'),
  );
  app.delete('/v1/me', { config: { auth: 'user' }, schema: { response: { 200: ErasureResult } } }, async (request) =>
    privacy.erase(userIdOf(request), 'user'),
  );
  app.post(
    '/v1/contacts/:contactId/erase',
    { config: { auth: 'server' }, schema: { params: ContactParams, response: { 200: ErasureResult } } },
    async (request) => privacy.erase(request.params.contactId, 'contact'),
  );
  app.get(
    '/v1/conversations/:conversationId/retention',
    { config: { auth: 'server' }, schema: { params: ConversationParams, response: { 200: ConversationRetention } } },
    async (request) => ({
      conversationId: request.params.conversationId,
      days: await privacy.retentionOf(request.params.conversationId),
    }),
  );
  app.put(
    '/v1/conversations/:conversationId/retention',
    {
      config: { auth: 'server' },
      schema: { params: ConversationParams, body: SetRetentionBody, response: { 200: ConversationRetention } },
    },
    async (request) => ({
      conversationId: request.params.conversationId,
      days: await privacy.setRetention(request.params.conversationId, request.body.days),
    }),
  );
}
