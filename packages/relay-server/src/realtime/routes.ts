import { type Presence, PresenceList } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConversationService } from '../conversations/service.js';
import { userIdOf } from '../http/auth-hook.js';
import type { PresenceTracker } from './presence.js';

const PresenceQuery = Type.Object(
  { userIds: Type.String({ minLength: 1, maxLength: 20_000, description: 'Comma-separated user ids' }) },
  { additionalProperties: false },
);

/** `GET /v1/presence?userIds=a,b`: presence of users who share a conversation with the caller; others are left out. */
export async function presenceRoutes(
  plain: FastifyInstance,
  {
    presence: tracker,
    conversations,
  }: { presence: Pick<PresenceTracker, 'get'>; conversations: Pick<ConversationService, 'sharingConversation'> },
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/presence',
    { config: { auth: 'user' }, schema: { querystring: PresenceQuery, response: { 200: PresenceList } } },
    async (request) => {
      const me = userIdOf(request);
      const wanted = [...new Set(request.query.userIds.split(','))].slice(0, 500);
      const visible = await conversations.sharingConversation(me, wanted);
      const presence: Presence[] = await tracker.get(wanted.filter((id) => visible.has(id)));
      return { presence };
    },
  );
}
