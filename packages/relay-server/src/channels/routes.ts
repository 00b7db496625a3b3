import {
  CHANNEL_CAPABILITIES,
  ChannelDelivery,
  ChannelHealth,
  ChannelHealthList,
  type ChannelPolicy,
  ChannelPolicyList,
  Contact,
  ContactPage,
  channelWindow,
  DeadLetterPage,
  DeliveryList,
  Id,
  InboundOutcome,
  MessageId,
} from '@chat4all/protocol';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';
import { principalOf } from '../http/auth-hook.js';
import { plainText } from '../http/openapi.js';
import { parseInbound } from './inbound-events.js';
import { toChannelDelivery } from './views.js';

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
export async function channelRoutes(plain: FastifyInstance, { ctx }: { ctx: RelayContext }): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { inbound, deliveries, store, channels, metrics } = ctx;

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

  app.get(
    '/v1/contacts',
    { config: { auth: 'server' }, schema: { querystring: Page, response: { 200: ContactPage } } },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const contacts = await store.contacts.list({ limit, after: request.query.after ?? null });
      return { contacts, nextCursor: contacts.length === limit ? (contacts.at(-1)?.id ?? null) : null };
    },
  );
  app.get(
    '/v1/contacts/:contactId',
    { config: { auth: 'server' }, schema: { params: ContactParams, response: { 200: Contact } } },
    async (request) => {
      const contact = await store.contacts.get(request.params.contactId);
      if (!contact) throw new RelayError('CONTACT_NOT_FOUND', `Contact ${request.params.contactId} not found`);
      return contact;
    },
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
    async (request) => {
      const { contactId } = request.params;
      const notFound = () => new RelayError('CONTACT_NOT_FOUND', `Contact ${contactId} not found`);
      if (!(await store.contacts.get(contactId))) throw notFound();
      const { preferredChannelId, conversationId } = request.body;
      if (preferredChannelId !== undefined && !(await store.contacts.setPreferredChannel(contactId, preferredChannelId)))
        throw new RelayError('BAD_REQUEST', `The contact has no identity on ${preferredChannelId}`);
      if (conversationId !== undefined && !(await store.contacts.setConversation(contactId, conversationId)))
        throw new RelayError('BAD_REQUEST', `The contact is not a member of ${conversationId}: add it first`);
      const contact = await store.contacts.get(contactId);
      if (!contact) throw notFound();
      return contact;
    },
  );

  app.get(
    '/v1/conversations/:conversationId/messages/:messageId/deliveries',
    {
      config: { auth: 'any' },
      schema: { params: Type.Object({ conversationId: Id, messageId: MessageId }), response: { 200: DeliveryList } },
    },
    async (request) => {
      await ctx.conversations.access(principalOf(request), request.params.conversationId);
      const list = await deliveries.list(request.params.messageId);
      return { deliveries: list.filter((d) => d.conversationId === request.params.conversationId) };
    },
  );

  // What members can send to each contact of the conversation now: its channel, capabilities and window.
  app.get(
    '/v1/conversations/:conversationId/channels',
    { config: { auth: 'any' }, schema: { params: Type.Object({ conversationId: Id }), response: { 200: ChannelPolicyList } } },
    async (request) => {
      const { conversationId } = request.params;
      await ctx.conversations.access(principalOf(request), conversationId);
      const members = await store.conversations.listMembers(conversationId);
      const now = Date.now();
      const policies: ChannelPolicy[] = [];
      for (const member of members) {
        const contact = await store.contacts.get(member.userId);
        if (!contact) continue;
        const route = channels.routeFor(contact);
        if (!route) {
          // No identity on a configured channel: nothing reaches the contact.
          policies.push({
            contactId: contact.id,
            channelId: null,
            channel: null,
            capabilities: null,
            lastInboundAt: null,
            state: 'closed',
            windowOpenUntil: null,
            humanAgentUntil: null,
            templateRequired: false,
          });
          continue;
        }
        const { lastInboundAt } = route.identity;
        policies.push({
          contactId: contact.id,
          channelId: route.channel.id,
          channel: route.channel.type,
          capabilities: CHANNEL_CAPABILITIES[route.channel.type],
          lastInboundAt,
          ...channelWindow(route.channel.type, lastInboundAt ? Date.parse(lastInboundAt) : null, now),
        });
      }
      return { channels: policies };
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
    async (request) => {
      const limit = request.query.limit ?? 50;
      const list = await store.deliveries.listDeadLetters({
        limit,
        after: request.query.after ?? null,
        channelId: request.query.channelId,
      });
      return {
        deliveries: list.map(toChannelDelivery),
        total: await store.deliveries.countDeadLetters(),
        nextCursor: list.length === limit ? (list.at(-1)?.id ?? null) : null,
      };
    },
  );
  // Channel accounts' health: an account on hold waits for a resume once its credentials are fixed.
  app.get('/v1/admin/channels', { config: { auth: 'server' }, schema: { response: { 200: ChannelHealthList } } }, async () => {
    await ctx.health.refresh();
    return { channels: channels.all().map((channel) => ctx.health.view(channel)) };
  });
  app.post(
    '/v1/admin/channels/:channelId/resume',
    { config: { auth: 'server' }, schema: { params: ChannelParams, response: { 200: ChannelHealth } } },
    async (request) => {
      const channel = channels.require(request.params.channelId);
      await ctx.health.resume(channel);
      return ctx.health.view(channel);
    },
  );

  const DeliveryParams = Type.Object({ deliveryId: Type.String({ minLength: 1, maxLength: 64 }) });
  app.post(
    '/v1/admin/dead-letters/:deliveryId/replay',
    { config: { auth: 'server' }, schema: { params: DeliveryParams, response: { 200: ChannelDelivery } } },
    async (request) => {
      const delivery = await deliveries.replay(request.params.deliveryId);
      ctx.dispatcher.wake();
      return delivery;
    },
  );
  app.delete(
    '/v1/admin/dead-letters/:deliveryId',
    { config: { auth: 'server' }, schema: { params: DeliveryParams, response: { 200: ChannelDelivery } } },
    async (request) => deliveries.discard(request.params.deliveryId),
  );
}
