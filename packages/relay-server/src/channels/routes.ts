import {
  ChannelDelivery,
  ChannelHealth,
  ChannelHealthList,
  ChannelPolicyList,
  Contact,
  ContactPage,
  DeadLetterPage,
  DeliveriesQuery,
  DeliveryList,
  Id,
  InboundOutcome,
  MessageId,
} from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import { principalOf } from '../http/auth-hook.js';
import { plainText } from '../http/openapi.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { Channels } from './channels.js';
import type { ContactService } from './contacts.js';
import type { DeliveryService } from './deliveries.js';
import type { Dispatcher } from './dispatcher.js';
import type { ChannelHealthService } from './health.js';
import type { InboundService } from './inbound.js';
import { parseInbound } from './inbound-events.js';

/** What the channel routes answer with. */
export interface ChannelRoutesOptions {
  channels: Channels;
  inbound: InboundService;
  contacts: ContactService;
  deliveries: DeliveryService;
  health: ChannelHealthService;
  dispatcher: Pick<Dispatcher, 'wake'>;
  conversations: Pick<ConversationService, 'access'>;
  metrics: Pick<RelayMetrics, 'inboundEvents'>;
}

const ChannelParams = Type.Object({ channelId: Type.String({ minLength: 1, maxLength: 64 }) });
const ContactParams = Type.Object({ contactId: Id });
const Page = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

/**
 * Channels: the platforms' webhooks (`/v1/channels/:channelId/webhook`, raw body kept for
 * the signature check), contacts (server API), a message's channel deliveries (members),
 * and the dead-letter queue (server API).
 */
export async function channelRoutes(plain: FastifyInstance, options: ChannelRoutesOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { inbound, contacts, deliveries, health, channels, metrics, conversations } = options;

  await app.register(async (scope) => {
    // Signatures are over the exact bytes sent: the body is kept raw and parsed only after the check.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { channelId: string }; Body: Buffer }>(
      '/v1/channels/:channelId/webhook',
      { config: { auth: 'none' }, schema: { params: ChannelParams, response: { 200: InboundOutcome } } },
      async (request) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const { channelId } = request.params;
        const channel = channels.require(channelId);
        if (!channel.connector.verifyWebhook({ headers: request.headers, rawBody })) {
          metrics.inboundEvents.inc({ channel: channelId, kind: 'refused' });
          throw new RelayError('WEBHOOK_SIGNATURE_INVALID', `The webhook for ${channelId} does not carry its signature or secret`);
        }
        let body: unknown;
        try {
          body = JSON.parse(rawBody.toString('utf8'));
        } catch {
          throw new RelayError('BAD_REQUEST', 'The webhook body is not JSON');
        }
        const events = parseInbound(body, (value) => channel.connector.parseWebhook(value), channel.config.type);
        const outcome = await inbound.ingest(channel, events);
        if (outcome.messages) metrics.inboundEvents.inc({ channel: channelId, kind: 'message' }, outcome.messages);
        if (outcome.statuses) metrics.inboundEvents.inc({ channel: channelId, kind: 'status' }, outcome.statuses);
        return { ok: true, ...outcome };
      },
    );
  });
  app.get(
    '/v1/channels/:channelId/webhook',
    {
      config: { auth: 'none' },
      schema: { params: ChannelParams, response: { 200: plainText("The platform's verification challenge, echoed") } },
    },
    async (request, reply) =>
      reply.type('text/plain').send(inbound.challenge(request.params.channelId, request.query as Record<string, unknown>)),
  );

  app.get('/v1/contacts', { config: { auth: 'server' }, schema: { querystring: Page, response: { 200: ContactPage } } }, async (request) =>
    contacts.list({ limit: request.query.limit ?? 50, after: request.query.after ?? null }),
  );
  app.get(
    '/v1/contacts/:contactId',
    { config: { auth: 'server' }, schema: { params: ContactParams, response: { 200: Contact } } },
    async (request) => contacts.get(request.params.contactId),
  );
  // Reaching someone who has not written yet: the contact and its conversation, as the first message from them would make.
  app.post(
    '/v1/contacts',
    {
      config: { auth: 'server' },
      schema: {
        body: Type.Object(
          {
            channelId: Type.String({ minLength: 1 }),
            externalId: Type.String({ minLength: 1, maxLength: 256 }),
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Contact, 201: Contact },
      },
    },
    async (request, reply) => {
      const contact = await inbound.addContact(request.body.channelId, request.body.externalId, request.body.displayName ?? null);
      return reply.status(contact.created ? 201 : 200).send(contact.contact satisfies Contact);
    },
  );
  app.patch(
    '/v1/contacts/:contactId',
    {
      config: { auth: 'server' },
      schema: {
        params: ContactParams,
        body: Type.Object(
          {
            preferredChannelId: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
            /** The conversation the contact's messages land in (it must be a member), to bring contacts of two channels together. */
            conversationId: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: { 200: Contact },
      },
    },
    async (request) => contacts.update(request.params.contactId, request.body),
  );

  app.get(
    '/v1/conversations/:conversationId/messages/:messageId/deliveries',
    {
      config: { auth: 'any' },
      schema: { params: Type.Object({ conversationId: Id, messageId: MessageId }), response: { 200: DeliveryList } },
    },
    async (request) => {
      await conversations.access(principalOf(request), request.params.conversationId);
      const list = await deliveries.list(request.params.messageId);
      return { deliveries: list.filter((d) => d.conversationId === request.params.conversationId) };
    },
  );

  // A history page's channel statuses in one call: the deliveries of up to 100 of the conversation's messages.
  app.get(
    '/v1/conversations/:conversationId/deliveries',
    {
      config: { auth: 'any' },
      schema: { params: Type.Object({ conversationId: Id }), querystring: DeliveriesQuery, response: { 200: DeliveryList } },
    },
    async (request) => {
      const { conversationId } = request.params;
      await conversations.access(principalOf(request), conversationId);
      return { deliveries: await deliveries.listMany(conversationId, [...new Set(request.query.messageIds.split(','))]) };
    },
  );

  // What members can send to each contact of the conversation now: its channel, capabilities and window.
  app.get(
    '/v1/conversations/:conversationId/channels',
    { config: { auth: 'any' }, schema: { params: Type.Object({ conversationId: Id }), response: { 200: ChannelPolicyList } } },
    async (request) => {
      const { conversationId } = request.params;
      await conversations.access(principalOf(request), conversationId);
      return { channels: await contacts.policies(conversationId) };
    },
  );

  app.get(
    '/v1/admin/dead-letters',
    {
      config: { auth: 'server' },
      schema: {
        querystring: Type.Composite([Page, Type.Object({ channelId: Type.Optional(Type.String({ minLength: 1 })) })]),
        response: { 200: DeadLetterPage },
      },
    },
    async (request) =>
      deliveries.deadLetters({ limit: request.query.limit ?? 50, after: request.query.after ?? null, channelId: request.query.channelId }),
  );
  // Channel accounts' health: an account on hold waits for a resume once its credentials are fixed.
  app.get('/v1/admin/channels', { config: { auth: 'server' }, schema: { response: { 200: ChannelHealthList } } }, async () => {
    await health.refresh();
    return { channels: channels.all().map((channel) => health.view(channel)) };
  });
  app.post(
    '/v1/admin/channels/:channelId/resume',
    { config: { auth: 'server' }, schema: { params: ChannelParams, response: { 200: ChannelHealth } } },
    async (request) => {
      const channel = channels.require(request.params.channelId);
      await health.resume(channel);
      return health.view(channel);
    },
  );

  const DeliveryParams = Type.Object({ deliveryId: Type.String({ minLength: 1, maxLength: 64 }) });
  app.post(
    '/v1/admin/dead-letters/:deliveryId/replay',
    { config: { auth: 'server' }, schema: { params: DeliveryParams, response: { 200: ChannelDelivery } } },
    async (request) => {
      const delivery = await deliveries.replay(request.params.deliveryId);
      options.dispatcher.wake();
      return delivery;
    },
  );
  app.delete(
    '/v1/admin/dead-letters/:deliveryId',
    { config: { auth: 'server' }, schema: { params: DeliveryParams, response: { 200: ChannelDelivery } } },
    async (request) => deliveries.discard(request.params.deliveryId),
  );
}
