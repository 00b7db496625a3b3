import { Id, RejectedMessagePage, RejectedMessageQuery } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ModerationService } from './service.js';

const ConversationParams = Type.Object({ conversationId: Id });

/** The audit of rejected messages, for the server API key only: members never see them. */
export async function moderationRoutes(plain: FastifyInstance, { moderation }: { moderation: ModerationService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/conversations/:conversationId/rejected-messages',
    {
      config: { auth: 'server' },
      schema: { params: ConversationParams, querystring: RejectedMessageQuery, response: { 200: RejectedMessagePage } },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const before = request.query.before === undefined ? undefined : Date.parse(request.query.before);
      const { beforeId } = request.query;
      const rows = await moderation.rejected(request.params.conversationId, { before, beforeId, limit: limit + 1 });
      return {
        rejected: rows.slice(0, limit).map((row) => ({
          message: row.message as { id: string; conversationId: string; senderId: string | null; text: string },
          origin: row.origin,
          source: row.source as 'rules' | 'hook' | 'fallback',
          reason: row.reason ?? '',
          rejectedAt: new Date(row.decidedAt).toISOString(),
        })),
        hasMore: rows.length > limit,
      };
    },
  );
}
