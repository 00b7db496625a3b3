import { Webhook, WebhookList } from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NoContent } from '../http/openapi.js';
import { WEBHOOK_EVENTS, type WebhookService, webhookView } from './service.js';

const Events = Type.Array(Type.Union([Type.Literal('*'), ...WEBHOOK_EVENTS.map((e) => Type.Literal(e))]), {
  minItems: 1,
  uniqueItems: true,
});
const Params = Type.Object({ webhookId: Type.String({ minLength: 1, maxLength: 64 }) });

/** App webhook endpoints, for the server API key: register, list, change, turn on and off, delete. */
export async function webhookRoutes(plain: FastifyInstance, { webhooks }: { webhooks: WebhookService }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/webhooks',
    {
      config: { auth: 'server' },
      schema: {
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2048 }),
            events: Events,
            description: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Webhook },
      },
    },
    async (request, reply) => reply.status(201).send(webhookView(await webhooks.create(request.body))),
  );
  app.get('/v1/webhooks', { config: { auth: 'server' }, schema: { response: { 200: WebhookList } } }, async () => ({
    webhooks: (await webhooks.list()).map(webhookView),
  }));
  app.get(
    '/v1/webhooks/:webhookId',
    { config: { auth: 'server' }, schema: { params: Params, response: { 200: Webhook } } },
    async (request) => webhookView(await webhooks.get(request.params.webhookId)),
  );
  app.patch(
    '/v1/webhooks/:webhookId',
    {
      config: { auth: 'server' },
      schema: {
        params: Params,
        body: Type.Object(
          {
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
            events: Type.Optional(Events),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Webhook },
      },
    },
    async (request) => webhookView(await webhooks.update(request.params.webhookId, request.body)),
  );
  app.delete(
    '/v1/webhooks/:webhookId',
    { config: { auth: 'server' }, schema: { params: Params, response: { 204: NoContent } } },
    async (request, reply) => {
      await webhooks.delete(request.params.webhookId);
      return reply.status(204).send(null);
    },
  );
}
