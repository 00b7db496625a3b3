import {
  EditMessageBody,
  HistoryQuery,
  Id,
  Message,
  MessageId,
  MessagePage,
  MessageReceipts,
  ReactionKey,
  ReceiptBody,
  ReceiptResult,
  SendAck,
  SendMessageBody,
  ThreadPage,
  ThreadReadBody,
  ThreadReadResult,
} from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf, userIdOf } from '../http/auth-hook.js';
import type { MessageService } from './service.js';
import type { ThreadService } from './threads.js';

const ConversationParams = Type.Object({ conversationId: Id });
const MessageParams = Type.Object({ conversationId: Id, messageId: MessageId });
const ThreadParams = Type.Object({ conversationId: Id, rootId: MessageId });
const ReactionParams = Type.Object({ conversationId: Id, messageId: MessageId, key: ReactionKey });
/** The member the server API key reacts as; app users react as themselves. */
const ReactionQuery = Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false });

export async function messageRoutes(
  plain: FastifyInstance,
  { messages: service, threads }: { messages: MessageService; threads: ThreadService },
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/conversations/:conversationId/messages',
    { config: { auth: 'any' }, schema: { params: ConversationParams, querystring: HistoryQuery, response: { 200: MessagePage } } },
    async (request) => service.history(principalOf(request), request.params.conversationId, request.query),
  );
  // 201 for the first attempt and every retry alike: a retry's answer is the original ack.
  app.post(
    '/v1/conversations/:conversationId/messages',
    { config: { auth: 'any' }, schema: { params: ConversationParams, body: SendMessageBody, response: { 201: SendAck } } },
    async (request, reply) => reply.status(201).send(await service.send(principalOf(request), request.params.conversationId, request.body)),
  );
  app.patch(
    '/v1/conversations/:conversationId/messages/:messageId',
    { config: { auth: 'any' }, schema: { params: MessageParams, body: EditMessageBody, response: { 200: Message } } },
    async (request) =>
      service.edit(principalOf(request), request.params.conversationId, request.params.messageId, request.body.text, request.body),
  );
  app.delete(
    '/v1/conversations/:conversationId/messages/:messageId',
    { config: { auth: 'any' }, schema: { params: MessageParams, response: { 200: Message } } },
    async (request) => service.delete(principalOf(request), request.params.conversationId, request.params.messageId),
  );
  // PUT and DELETE on the reaction itself: repeating either changes nothing more.
  for (const method of ['PUT', 'DELETE'] as const)
    app.route({
      method,
      url: '/v1/conversations/:conversationId/messages/:messageId/reactions/:key',
      config: { auth: 'any' },
      schema: { params: ReactionParams, querystring: ReactionQuery, response: { 200: Message } },
      handler: async (request) => {
        const { conversationId, messageId, key } = request.params;
        const change = method === 'PUT' ? { add: key } : { remove: key };
        return service.react(principalOf(request), conversationId, messageId, change, request.query.userId);
      },
    });
  app.post(
    '/v1/conversations/:conversationId/receipts',
    { config: { auth: 'user' }, schema: { params: ConversationParams, body: ReceiptBody, response: { 200: ReceiptResult } } },
    async (request) => service.receipt(userIdOf(request), request.params.conversationId, request.body.kind, request.body.seq),
  );
  app.get(
    '/v1/conversations/:conversationId/threads/:rootId/messages',
    { config: { auth: 'any' }, schema: { params: ThreadParams, querystring: HistoryQuery, response: { 200: ThreadPage } } },
    async (request) => threads.page(principalOf(request), request.params.conversationId, request.params.rootId, request.query),
  );
  app.post(
    '/v1/conversations/:conversationId/threads/:rootId/read',
    { config: { auth: 'user' }, schema: { params: ThreadParams, body: ThreadReadBody, response: { 200: ThreadReadResult } } },
    async (request) => threads.read(userIdOf(request), request.params.conversationId, request.params.rootId, request.body.seq),
  );
  app.get(
    '/v1/conversations/:conversationId/messages/:messageId/receipts',
    { config: { auth: 'any' }, schema: { params: MessageParams, response: { 200: MessageReceipts } } },
    async (request) => service.receiptsOf(principalOf(request), request.params.conversationId, request.params.messageId),
  );
}
