import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type GenericOutbound, generateWebhookSecret, signWebhook, TelegramConnector, verifyStandardWebhook } from '@chat4all/connectors';
import {
  type FakeGraph,
  type FakeMetaSend,
  type FakeTelegram,
  fakeGraph,
  fakeMetaSend,
  fakeTelegram,
  jsonServer,
  postWebhook,
} from '@chat4all/connectors/testing';
import type { ChannelDelivery, Contact, ServerFrame } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/index.js';
import { API_KEY, appReceiver, freePort, type RunningRelay, startRelay, type TestSocket } from './fixtures.js';

const WA = { accessToken: 'EAAJB-test-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'verify-me' };
const CUSTOMER = '5511999990000';

type DeliveryFrame = Extract<ServerFrame, { type: 'delivery.updated' }>;
const deliveryIs =
  (messageId: string, status: ChannelDelivery['status'], extra: (d: ChannelDelivery) => boolean = () => true) =>
  (frame: ServerFrame): frame is DeliveryFrame =>
    frame.type === 'delivery.updated' &&
    frame.delivery.messageId === messageId &&
    frame.delivery.status === status &&
    extra(frame.delivery);

describe('channels: WhatsApp and Telegram contacts in conversations with app users', () => {
  let relay: RunningRelay;
  let graph: FakeGraph | undefined;
  let telegram: FakeTelegram | undefined;
  let meta: FakeMetaSend | undefined;
  afterEach(async () => {
    await relay?.close();
    await graph?.close();
    await telegram?.close();
    await meta?.close();
    graph = undefined;
    telegram = undefined;
    meta = undefined;
  });

  async function whatsappRelay(dispatch: RelayConfigInput['dispatch'] = {}, more: RelayConfigInput = {}) {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    relay = await startRelay({
      ...more,
      channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
      dispatch: { pollIntervalMs: 50, baseDelayMs: 20, ...dispatch },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const agent = await relay.user('agent');
    return { graph, agent, socket: await relay.connect(agent.token) };
  }

  async function telegramRelay() {
    const tg = await fakeTelegram('123:bot-token');
    telegram = tg;
    relay = await startRelay({
      channels: [{ id: 'tg', type: 'telegram', members: ['agent'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: tg.url }],
      dispatch: { pollIntervalMs: 50 },
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const bot = new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: tg.url });
    expect(await bot.setWebhook(`${relay.url}/v1/channels/tg/webhook`)).toMatchObject({ ok: true });
    return { telegram: tg, agent, socket, bot };
  }

  async function send(socket: TestSocket, conversationId: string, text: string, extra: Record<string, unknown> = {}) {
    const id = randomUUID();
    const ack = await socket.request({ type: 'message.send', conversationId, message: { id, text, ...extra } });
    expect(ack.type).toBe('ack');
    return id;
  }

  it('a WhatsApp customer writes, the agent sees it live and answers; sent, delivered and read come back in order', async () => {
    const { graph, socket } = await whatsappRelay();
    const first = await graph.inbound({ from: CUSTOMER, name: 'Maria Silva', text: 'Oi, tudo bem?' });
    expect(first).toMatchObject({ status: 200, body: { ok: true, messages: 1, statuses: 0 } });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    if (created.type !== 'conversation.created' || inbound.type !== 'message.created') throw new Error('unreachable');
    const conversationId = created.conversation.id;
    expect(created.conversation).toMatchObject({ type: 'group', title: 'Maria Silva' });
    const contactId = inbound.message.senderId as string;
    expect(contactId).toMatch(/^contact:/);
    expect(inbound.message).toMatchObject({
      conversationId,
      text: 'Oi, tudo bem?',
      metadata: { channel: { id: 'wa', type: 'whatsapp', externalId: first.id } },
    });
    // Meta retries a webhook it thinks failed: the same message is stored once.
    expect((await graph.inbound({ from: CUSTOMER, name: 'Maria Silva', text: 'Oi, tudo bem?', id: first.id })).status).toBe(200);
    const contact = await relay.http<Contact>('GET', `/v1/contacts/${encodeURIComponent(contactId)}`, { as: API_KEY });
    expect(contact.body).toMatchObject({
      displayName: 'Maria Silva',
      conversationId,
      identities: [{ channelId: 'wa', channel: 'whatsapp', externalId: CUSTOMER, displayName: 'Maria Silva' }],
    });

    const replyId = await send(socket, conversationId, 'Tudo ótimo! Como posso ajudar?', { replyTo: inbound.message.id });
    const sent = await socket.waitFor(deliveryIs(replyId, 'sent'));
    expect(graph.calls.at(-1)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: CUSTOMER,
      context: { message_id: first.id },
      type: 'text',
      text: { body: 'Tudo ótimo! Como posso ajudar?', preview_url: false },
    });
    const wamid = sent.delivery.externalId as string;
    expect(sent.delivery).toMatchObject({ contactId, channelId: 'wa', channel: 'whatsapp', attempts: 1, error: null });
    expect((await graph.status(wamid, 'sent', CUSTOMER)).status).toBe(200);
    expect((await graph.status(wamid, 'delivered', CUSTOMER)).status).toBe(200);
    await socket.waitFor(deliveryIs(replyId, 'delivered'));
    await graph.status(wamid, 'read', CUSTOMER);
    await graph.status(wamid, 'delivered', CUSTOMER);
    const read = await socket.waitFor(deliveryIs(replyId, 'read'));
    expect(read.delivery.history.map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);
    const stored = await relay.http<{ deliveries: ChannelDelivery[] }>(
      'GET',
      `/v1/conversations/${conversationId}/messages/${replyId}/deliveries`,
      { as: (await relay.user('agent')).token },
    );
    expect(stored.body.deliveries).toEqual([read.delivery]);
    const history = await relay.http<{ messages: Array<{ id: string }> }>('GET', `/v1/conversations/${conversationId}/messages`, {
      as: API_KEY,
    });
    expect(history.body.messages.map((m) => m.id)).toEqual([inbound.message.id, replyId]);
    // The customer answers the reply: the answer points at it.
    await graph.inbound({ from: CUSTOMER, text: 'Quero ver meu pedido', replyTo: wamid });
    const answer = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'Quero ver meu pedido');
    expect(answer.type === 'message.created' && answer.message.replyTo).toBe(replyId);
  });

  it('a contact gets a conversation’s messages in order, even when the first one has to be retried', async () => {
    const { graph, socket } = await whatsappRelay();
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    graph.failNext({ status: 500, code: 131000, message: 'Something went wrong' });
    const before = graph.calls.length;
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const id = randomUUID();
      ids.push(id);
      socket.send({ type: 'message.send', id: `s${n}`, conversationId, message: { id, text: `m${n}` } });
    }
    await Promise.all(ids.map((id) => socket.waitFor(deliveryIs(id, 'sent'))));
    expect(graph.calls.slice(before).map((c) => (c.text as { body: string }).body)).toEqual(['m1', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('statuses that reach the relay before the send’s answer are applied once the send is recorded', async () => {
    const { graph, socket } = await whatsappRelay();
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    graph.statusesBeforeAnswer('sent', 'delivered');
    const id = await send(socket, conversationId, 'rápido');
    const delivered = await socket.waitFor(deliveryIs(id, 'delivered'));
    expect(delivered.delivery.history.map((h) => h.status)).toEqual(['sent', 'delivered']);
  });

  it('refuses forged webhooks and wrong verify tokens, storing nothing', async () => {
    const { graph } = await whatsappRelay();
    const forged = await postWebhook(
      `${relay.url}/v1/channels/wa/webhook`,
      { object: 'whatsapp_business_account', entry: [] },
      { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    );
    expect(forged).toMatchObject({ status: 401, body: { code: 'WEBHOOK_SIGNATURE_INVALID' } });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, 'not-the-app-secret');
    expect(await graph.inbound({ from: CUSTOMER, text: 'forged' })).toMatchObject({ status: 401 });
    expect((await relay.http<{ contacts: Contact[] }>('GET', '/v1/contacts', { as: API_KEY })).body.contacts).toEqual([]);
    expect(await postWebhook(`${relay.url}/v1/channels/nope/webhook`, {})).toMatchObject({
      status: 404,
      body: { code: 'CHANNEL_NOT_FOUND' },
    });

    const challenge = await fetch(
      `${relay.url}/v1/channels/wa/webhook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`,
    );
    expect([challenge.status, await challenge.text()]).toEqual([200, '1158201444']);
    const wrong = await fetch(`${relay.url}/v1/channels/wa/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ code: 'WEBHOOK_VERIFY_TOKEN_INVALID' });
  });

  it('a message outside the 24-hour window fails at once with OUTSIDE_WINDOW and the platform’s code; a template goes through', async () => {
    const { graph, socket } = await whatsappRelay();
    const added = await relay.http<Contact>('POST', '/v1/contacts', {
      as: API_KEY,
      body: { channelId: 'wa', externalId: '5511777770000', displayName: 'João' },
    });
    expect(added.status).toBe(201);
    const conversationId = added.body.conversationId as string;
    await socket.waitFor((f) => f.type === 'conversation.created' && f.conversation.id === conversationId);
    const id = await send(socket, conversationId, 'Olá João!');
    const failed = await socket.waitFor(deliveryIs(id, 'failed'));
    expect(failed.delivery).toMatchObject({
      error: { code: 'OUTSIDE_WINDOW', platformCode: '131047' },
      attempts: 1,
      deadLettered: false,
    });
    expect(failed.delivery.error?.message).toMatch(/24 hours/);
    expect(graph.calls.filter((c) => c.to === '5511777770000')).toHaveLength(1);
    // A message template is what WhatsApp delivers outside the window.
    const template = {
      name: 'order_update',
      language: 'pt_BR',
      components: [{ type: 'body', parameters: [{ type: 'text', text: '4521' }] }],
    };
    const templated = await send(socket, conversationId, 'Seu pedido 4521 foi enviado', { metadata: { whatsapp: { template } } });
    await socket.waitFor(deliveryIs(templated, 'sent'));
    expect(graph.calls.at(-1)).toMatchObject({
      to: '5511777770000',
      type: 'template',
      template: { name: 'order_update', language: { code: 'pt_BR' }, components: template.components },
    });
  });

  it('retries 5xx with backoff into the dead-letter queue; a replay delivers once; a discard keeps it failed', async () => {
    const { graph, socket } = await whatsappRelay({ maxAttempts: 3, breakerFailures: 100 });
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    const outage = { status: 500, code: 131000, message: 'Something went wrong' };
    graph.failNext(outage, outage, outage, outage, outage, outage);
    const first = await send(socket, conversationId, 'primeira');
    const dead = await socket.waitFor(deliveryIs(first, 'failed', (d) => d.deadLettered));
    expect(dead.delivery).toMatchObject({ attempts: 3, error: { code: 'UNAVAILABLE', platformCode: '131000' } });
    expect(dead.delivery.history.map((h) => h.status)).toEqual(['retrying', 'retrying', 'dead-lettered']);
    const second = await send(socket, conversationId, 'segunda');
    await socket.waitFor(deliveryIs(second, 'failed', (d) => d.deadLettered));

    const queue = await relay.http<{ deliveries: ChannelDelivery[]; total: number }>('GET', '/v1/admin/dead-letters', { as: API_KEY });
    expect(queue.body.total).toBe(2);
    expect(queue.body.deliveries.map((d) => d.messageId)).toEqual([first, second]);
    const [firstDelivery, secondDelivery] = queue.body.deliveries as [ChannelDelivery, ChannelDelivery];
    const replayed = await relay.http('POST', `/v1/admin/dead-letters/${firstDelivery.id}/replay`, { as: API_KEY });
    expect(replayed).toMatchObject({ status: 200, body: { status: 'pending', deadLettered: false, attempts: 0 } });
    const sent = await socket.waitFor(deliveryIs(first, 'sent'));
    expect(sent.delivery.history.map((h) => h.status)).toEqual(['retrying', 'retrying', 'dead-lettered', 'replayed', 'sent']);
    expect(graph.calls.filter((c) => (c.text as { body?: string } | undefined)?.body === 'primeira')).toHaveLength(4);
    expect(await relay.http('POST', `/v1/admin/dead-letters/${firstDelivery.id}/replay`, { as: API_KEY })).toMatchObject({
      status: 404,
      body: { code: 'DELIVERY_NOT_FOUND' },
    });
    expect(await relay.http('DELETE', `/v1/admin/dead-letters/${secondDelivery.id}`, { as: API_KEY })).toMatchObject({
      status: 200,
      body: { status: 'failed', deadLettered: false },
    });
    expect((await relay.http<{ total: number }>('GET', '/v1/admin/dead-letters', { as: API_KEY })).body.total).toBe(0);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/chat4all_dispatch_total\{channel="wa",outcome="dead_lettered",code="UNAVAILABLE"\} 2/);
    expect(metrics).toMatch(/chat4all_dead_letters 0/);
  });

  it('opens the circuit of a failing account, then half-opens it and sends what waited', async () => {
    const { graph, socket } = await whatsappRelay({ breakerFailures: 2, breakerHalfOpenAfterMs: 300, maxAttempts: 20 });
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    const outage = { status: 503, code: 2, message: 'Service temporarily unavailable' };
    graph.failNext(outage, outage);
    const id = await send(socket, conversationId, 'durante a queda');
    const waiting = await socket.waitFor(deliveryIs(id, 'pending', (d) => d.error?.code === 'CIRCUIT_OPEN'));
    expect(waiting.delivery.attempts).toBe(2);
    const open = await (await fetch(`${relay.url}/metrics`)).text();
    expect(open).toMatch(/chat4all_circuit_state\{channel="wa"\} 2/);
    const before = graph.calls.length;
    const sent = await socket.waitFor(deliveryIs(id, 'sent'));
    expect(sent.delivery.attempts).toBe(3);
    expect(graph.calls.length).toBe(before + 1);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(/chat4all_circuit_state\{channel="wa"\} 0/);
  });

  it('a text sent in two parts has a status per part; the message is delivered and read when both are', async () => {
    // Texts longer than WhatsApp's 4,096 characters need a relay limit above its default 4,000.
    const { graph, socket } = await whatsappRelay({}, { limits: { textMaxLength: 8000 } });
    await graph.inbound({ from: CUSTOMER, text: 'manda o contrato' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    // Over WhatsApp's 4,096 characters: two text messages, each with its own wamid and statuses.
    const long = `${'cláusula '.repeat(500)}fim`;
    const id = await send(socket, conversationId, long);
    const sent = await socket.waitFor(deliveryIs(id, 'sent'));
    const [first, second] = sent.delivery.parts;
    expect(sent.delivery).toMatchObject({ externalId: first, partStatuses: ['sent', 'sent'] });
    await graph.status(second as string, 'delivered', CUSTOMER);
    await socket.waitFor(deliveryIs(id, 'sent', (d) => d.partStatuses.join() === 'sent,delivered'));
    await graph.status(first as string, 'read', CUSTOMER);
    const delivered = await socket.waitFor(deliveryIs(id, 'delivered'));
    expect(delivered.delivery.partStatuses).toEqual(['read', 'delivered']);
    await graph.status(second as string, 'read', CUSTOMER);
    const read = await socket.waitFor(deliveryIs(id, 'read'));
    expect(read.delivery.partStatuses).toEqual(['read', 'read']);
    expect(read.delivery.history.map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('a failure about one contact (WhatsApp’s pair rate limit) is retried without opening the account’s circuit', async () => {
    const { graph, socket } = await whatsappRelay({ breakerFailures: 2, breakerHalfOpenAfterMs: 60_000, maxAttempts: 20 });
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    // https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes: 131056, (Business Account, Consumer Account) pair rate limit hit.
    const pair = { status: 400, code: 131056, message: '(Business Account, Consumer Account) pair rate limit hit' };
    graph.failNext(pair, pair, pair);
    const id = await send(socket, conversationId, 'depois da espera');
    const sent = await socket.waitFor(deliveryIs(id, 'sent'));
    expect(sent.delivery.attempts).toBe(4);
    expect(sent.delivery.history.map((h) => h.code ?? h.status)).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED', 'sent']);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(/chat4all_circuit_state\{channel="wa"\} 0/);
  });

  it('an expired token holds the account: deliveries wait in order, channel.health says why, and a resume after the fix sends each once', async () => {
    await using app = await appReceiver();
    const config = (accessToken: string) => ({
      channels: [{ id: 'wa', type: 'whatsapp' as const, members: ['agent'], ...WA, accessToken, baseUrl: graph?.url }],
      dispatch: { pollIntervalMs: 50, baseDelayMs: 20 },
      webhooks: { allowPrivateAddresses: true, pollIntervalMs: 50 },
    });
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    relay = await startRelay(config(WA.accessToken), { keepData: true });
    const dataDir = relay.dataDir;
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    await relay.http('POST', '/v1/webhooks', { as: API_KEY, body: { url: app.url, events: ['channel.health'] } });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';

    // The business renewed its token on Meta's side; the relay still has the old one.
    graph.rotateToken('EAAJB-renewed-token');
    const ids = [
      await send(socket, conversationId, 'um'),
      await send(socket, conversationId, 'dois'),
      await send(socket, conversationId, 'três'),
    ];
    const held = await socket.waitFor(deliveryIs(ids[0] as string, 'pending', (d) => d.history.some((h) => h.status === 'held')));
    expect(held.delivery).toMatchObject({ attempts: 0, error: { code: 'UNAUTHORIZED', platformCode: '190' } });
    const [call] = await app.until((calls) => calls.length >= 1);
    expect(call?.body).toMatchObject({
      type: 'channel.health',
      data: { channel: { id: 'wa', type: 'whatsapp', status: 'held', hold: { code: 'UNAUTHORIZED', platformCode: '190' } } },
    });
    const health = await relay.http<{ channels: unknown[] }>('GET', '/v1/admin/channels', { as: API_KEY });
    expect(health.body.channels).toEqual([
      { id: 'wa', type: 'whatsapp', status: 'held', hold: expect.objectContaining({ code: 'UNAUTHORIZED', since: expect.any(String) }) },
    ]);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(/chat4all_channel_held\{channel="wa"\} 1/);
    for (const id of ids) {
      const { body } = await relay.http<{ deliveries: ChannelDelivery[] }>(
        'GET',
        `/v1/conversations/${conversationId}/messages/${id}/deliveries`,
        { as: agent.token },
      );
      expect(body.deliveries[0]?.status).toBe('pending');
    }

    // The operator puts the new token in the config and restarts: still held until resumed.
    await relay.close();
    relay = await startRelay(config('EAAJB-renewed-token'), { dataDir });
    expect(
      (await relay.http<{ channels: Array<{ status: string }> }>('GET', '/v1/admin/channels', { as: API_KEY })).body.channels[0]?.status,
    ).toBe('held');
    const resumed = await relay.http('POST', '/v1/admin/channels/wa/resume', { as: API_KEY });
    expect(resumed).toMatchObject({ status: 200, body: { id: 'wa', status: 'active', hold: null } });
    for (const id of ids)
      await expect
        .poll(async () => {
          const { body } = await relay.http<{ deliveries: ChannelDelivery[] }>(
            'GET',
            `/v1/conversations/${conversationId}/messages/${id}/deliveries`,
            { as: agent.token },
          );
          return body.deliveries[0]?.status;
        })
        .toBe('sent');
    expect(graph.calls.map((c) => (c.text as { body: string }).body)).toEqual(['um', 'dois', 'três']);
    const [first] = (
      await relay.http<{ deliveries: ChannelDelivery[] }>('GET', `/v1/conversations/${conversationId}/messages/${ids[0]}/deliveries`, {
        as: agent.token,
      })
    ).body.deliveries;
    expect(first?.attempts).toBe(1);
    expect(first?.history.map((h) => h.status)).toEqual(['held', 'sent']);
    expect((await app.until((calls) => calls.length >= 2))[1]?.body).toMatchObject({
      type: 'channel.health',
      data: { channel: { status: 'active' } },
    });
    expect(await relay.http('POST', '/v1/admin/channels/nope/resume', { as: API_KEY })).toMatchObject({
      status: 404,
      body: { code: 'CHANNEL_NOT_FOUND' },
    });
  });

  it('every WhatsApp message type reaches agents with its kind and content; a contact’s edit and revoke change the stored message', async () => {
    const { graph, socket } = await whatsappRelay();
    const created = (await graph.inbound({ from: CUSTOMER, name: 'Maria Silva', text: 'oi' })).id;
    const first = await socket.waitFor((f) => f.type === 'message.created');
    const conversationId = first.type === 'message.created' ? first.message.conversationId : '';
    // The message.created of the platform message `answer.id`.
    const next = async (answer: Promise<{ id: string }>) => {
      const { id } = await answer;
      const frame = await socket.waitFor(
        (f) => f.type === 'message.created' && (f.message.metadata.channel as { externalId?: string } | undefined)?.externalId === id,
      );
      if (frame.type !== 'message.created') throw new Error('unreachable');
      return frame.message;
    };
    // Message objects as in the webhook reference (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components).
    expect(
      await next(
        graph.inboundMessage({
          from: CUSTOMER,
          type: 'location',
          location: { latitude: -23.5613, longitude: -46.6565, name: 'MASP', address: 'Av. Paulista, 1578' },
        }),
      ),
    ).toMatchObject({
      kind: 'location',
      text: 'MASP — Av. Paulista, 1578',
      content: { type: 'location', latitude: -23.5613, longitude: -46.6565, name: 'MASP' },
    });
    expect(
      await next(
        graph.inboundMessage({
          from: CUSTOMER,
          type: 'contacts',
          contacts: [{ name: { formatted_name: 'João Souza' }, phones: [{ phone: '+55 11 98888-7777', type: 'CELL' }] }],
        }),
      ),
    ).toMatchObject({
      kind: 'contacts',
      text: 'João Souza',
      content: { type: 'contacts', contacts: [{ name: 'João Souza', phones: [{ phone: '+55 11 98888-7777' }] }] },
    });
    expect(
      await next(
        graph.inboundMessage({
          from: CUSTOMER,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'confirm-7', title: 'Confirmar' } },
        }),
      ),
    ).toMatchObject({
      kind: 'text',
      text: 'Confirmar',
      content: { type: 'choice', payload: 'confirm-7', title: 'Confirmar' },
    });
    const webp = randomBytes(300);
    const sticker = await next(
      graph.inboundMedia({ from: CUSTOMER, kind: 'sticker', bytes: webp, mimeType: 'image/webp', extra: { animated: false } }),
    );
    expect(sticker).toMatchObject({
      kind: 'file',
      content: { type: 'sticker', animated: false },
      attachment: { type: 'image/webp', size: 300, sha256: createHash('sha256').update(webp).digest('hex') },
    });
    expect(
      await next(
        graph.inboundMedia({ from: CUSTOMER, kind: 'audio', bytes: randomBytes(200), mimeType: 'audio/ogg', extra: { voice: true } }),
      ),
    ).toMatchObject({ kind: 'file', content: { type: 'voice' }, attachment: { type: 'audio/ogg' } });
    expect(
      await next(
        graph.inboundMessage({
          from: CUSTOMER,
          type: 'unsupported',
          unsupported: { type: 'poll' },
          errors: [{ code: 131051, title: 'Message type unknown' }],
        }),
      ),
    ).toMatchObject({ kind: 'unsupported', text: '', content: { type: 'unsupported', platformType: 'poll' } });

    // Coexistence numbers report a customer's edit and revoke of a message.
    await graph.inboundMessage({
      from: CUSTOMER,
      type: 'edit',
      edit: { original_message_id: created, message: { type: 'text', text: { body: 'oi, tudo bem?' } } },
    });
    const edited = await socket.waitFor((f) => f.type === 'message.updated');
    expect(edited.type === 'message.updated' && edited.message).toMatchObject({ text: 'oi, tudo bem?', editedAt: expect.any(String) });
    await graph.inboundMessage({ from: CUSTOMER, type: 'revoke', revoke: { original_message_id: created } });
    const deleted = await socket.waitFor((f) => f.type === 'message.deleted');
    expect(deleted.type === 'message.deleted' && deleted.message).toMatchObject({ text: '', deletedAt: expect.any(String) });
    // Delivered again, the revoke changes nothing more.
    expect(await graph.inboundMessage({ from: CUSTOMER, type: 'revoke', revoke: { original_message_id: created } })).toMatchObject({
      status: 200,
    });
    // A revoke from a number the relay never heard from creates no contact.
    expect(
      await graph.inboundMessage({ from: '5511900000000', type: 'revoke', revoke: { original_message_id: 'wamid.NEVER' } }),
    ).toMatchObject({ status: 200 });
    const contacts = await relay.http<{ contacts: Contact[] }>('GET', '/v1/contacts', { as: API_KEY });
    expect(contacts.body.contacts.flatMap((c) => c.identities.map((i) => i.externalId))).toEqual([CUSTOMER]);
    const history = await relay.http<{ messages: Array<{ kind: string; text: string }> }>(
      'GET',
      `/v1/conversations/${conversationId}/messages`,
      { as: API_KEY },
    );
    expect(history.body.messages.map((m) => m.kind)).toEqual(['text', 'location', 'contacts', 'text', 'file', 'file', 'unsupported']);
    expect(history.body.messages.filter((m) => m.kind === 'text' && m.text === '')).toHaveLength(1);
  });

  it('a Telegram edit becomes message.updated, and an Instagram unsend message.deleted', async () => {
    telegram = await fakeTelegram('123:bot-token');
    meta = await fakeMetaSend({ channel: 'instagram', accessToken: 'ig-token', accountId: '17841400000' });
    relay = await startRelay({
      channels: [
        { id: 'tg', type: 'telegram', members: ['agent'], token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
        {
          id: 'ig',
          type: 'instagram',
          members: ['agent'],
          accessToken: 'ig-token',
          accountId: '17841400000',
          appSecret: 'ig-app-secret',
          verifyToken: 'v',
          baseUrl: meta.url,
        },
      ],
    });
    meta.subscribe(`${relay.url}/v1/channels/ig/webhook`, 'ig-app-secret');
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const bot = new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url });
    await bot.setWebhook(`${relay.url}/v1/channels/tg/webhook`);
    expect(telegram.webhook()).toMatchObject({ url: `${relay.url}/v1/channels/tg/webhook` });
    const sent = await telegram.inbound({ chatId: 777002, firstName: 'Rui', text: 'olá' });
    const original = await socket.waitFor((f) => f.type === 'message.created');
    const message = original.type === 'message.created' ? original.message : null;
    // Telegram's edited_message Update: the same message, with its new text and edit_date (https://core.telegram.org/bots/api#update).
    await telegram.postUpdate({
      update_id: 900,
      edited_message: {
        message_id: sent.messageId,
        from: { id: 777002, is_bot: false, first_name: 'Rui' },
        chat: { id: 777002, type: 'private', first_name: 'Rui' },
        date: Math.floor(Date.now() / 1000) - 5,
        edit_date: Math.floor(Date.now() / 1000),
        text: 'olá, bom dia',
      },
    });
    const updated = await socket.waitFor((f) => f.type === 'message.updated');
    expect(updated.type === 'message.updated' && updated.message).toMatchObject({ id: message?.id, text: 'olá, bom dia' });

    const { mid } = await meta.inbound({ from: '5566', text: 'mensagem errada' });
    await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'mensagem errada');
    await meta.event('5566', { message: { mid, is_deleted: true } });
    const unsent = await socket.waitFor((f) => f.type === 'message.deleted');
    expect(unsent.type === 'message.deleted' && unsent.message).toMatchObject({ text: '', deletedAt: expect.any(String) });
  });

  it('tells members what each contact can be sent now: its channel, capabilities and window', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA },
        {
          id: 'fb',
          type: 'messenger',
          members: ['agent'],
          accessToken: 'page-token',
          pageId: '1122334455',
          appSecret: 'fb-secret',
          verifyToken: 'v',
          baseUrl: meta.url,
        },
        { id: 'tg', type: 'telegram', members: ['agent'], token: '9:tg', secretToken: 'tg-secret' },
      ],
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    const created = await socket.waitFor((f) => f.type === 'conversation.created');
    const conversationId = created.type === 'conversation.created' ? created.conversation.id : '';
    const policies = (id: string, as = agent.token) =>
      relay.http<{ channels: Array<Record<string, unknown>> }>('GET', `/v1/conversations/${id}/channels`, { as });
    const [open] = (await policies(conversationId)).body.channels;
    expect(open).toMatchObject({
      channelId: 'wa',
      channel: 'whatsapp',
      state: 'open',
      templateRequired: false,
      humanAgentUntil: null,
      capabilities: { text: { limit: 4096, unit: 'characters' }, caption: { limit: 1024 }, templates: true, window: { hours: 24 } },
    });
    expect(Date.parse(open?.windowOpenUntil as string) - Date.parse(open?.lastInboundAt as string)).toBe(24 * 3600_000);

    // Contacts the app adds before they write: WhatsApp needs a template, Messenger cannot be written to, Telegram always can.
    const add = async (channelId: string, externalId: string) =>
      (await relay.http<{ conversationId: string }>('POST', '/v1/contacts', { as: API_KEY, body: { channelId, externalId } })).body
        .conversationId;
    expect((await policies(await add('wa', '5511911112222'), API_KEY)).body.channels).toMatchObject([
      { state: 'template-only', templateRequired: true, windowOpenUntil: null },
    ]);
    expect((await policies(await add('fb', '6677'), API_KEY)).body.channels).toMatchObject([
      { channel: 'messenger', state: 'closed', capabilities: { text: { limit: 2000 }, caption: null } },
    ]);
    expect((await policies(await add('tg', '4242'), API_KEY)).body.channels).toMatchObject([
      { channel: 'telegram', state: 'always', capabilities: { text: { unit: 'utf16' } } },
    ]);
    const stranger = await relay.user('stranger');
    expect(await policies(conversationId, stranger.token)).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
  });

  it('a Telegram group upgraded to a supergroup: the answer follows it to the new id, and so does the conversation', async () => {
    const { telegram, socket } = await telegramRelay();
    await telegram.inbound({ chatId: -4001, firstName: 'Equipe', text: 'alguém aí?' });
    const first = await socket.waitFor((f) => f.type === 'message.created');
    const { conversationId, senderId } = first.type === 'message.created' ? first.message : { conversationId: '', senderId: '' };
    telegram.migrate(-4001, -1004001);
    const id = await send(socket, conversationId, 'sim, aqui');
    const sent = await socket.waitFor(deliveryIs(id, 'sent'));
    expect(sent.delivery.externalId).toMatch(/^-1004001:/);
    const contact = await relay.http<Contact>('GET', `/v1/contacts/${senderId}`, { as: API_KEY });
    expect(contact.body.identities.map((i) => i.externalId)).toEqual(['-1004001']);
    await telegram.inbound({ chatId: -1004001, firstName: 'Equipe', text: 'ótimo' });
    const next = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'ótimo');
    expect(next.type === 'message.created' && next.message).toMatchObject({ conversationId, senderId });
  });

  it('with passReads and passTyping, an agent reading and typing shows on WhatsApp, Messenger and Telegram', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    telegram = await fakeTelegram('123:bot-token');
    const pass = { members: ['agent'], passReads: true, passTyping: true };
    relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', ...pass, baseUrl: graph.url, ...WA },
        {
          id: 'fb',
          type: 'messenger',
          ...pass,
          accessToken: 'page-token',
          pageId: '1122334455',
          appSecret: 'fb-secret',
          verifyToken: 'v',
          baseUrl: meta.url,
        },
        { id: 'tg', type: 'telegram', ...pass, token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url },
      ],
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    meta.subscribe(`${relay.url}/v1/channels/fb/webhook`, 'fb-secret');
    await new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const arrived = async (text: string) => {
      const frame = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === text);
      if (frame.type !== 'message.created') throw new Error('unreachable');
      return frame.message;
    };
    const { id: wamid } = await graph.inbound({ from: CUSTOMER, text: 'no WhatsApp' });
    const onWhatsApp = await arrived('no WhatsApp');
    await meta.inbound({ from: '6677', text: 'no Messenger' });
    const onMessenger = await arrived('no Messenger');
    await telegram.inbound({ chatId: 777003, firstName: 'Lia', text: 'no Telegram' });
    const onTelegram = await arrived('no Telegram');

    for (const message of [onWhatsApp, onMessenger, onTelegram]) {
      expect(await socket.request({ type: 'typing', conversationId: message.conversationId, active: true })).toMatchObject({ type: 'ack' });
      await relay.http('POST', `/v1/conversations/${message.conversationId}/receipts`, {
        as: agent.token,
        body: { kind: 'read', seq: message.seq },
      });
    }
    // WhatsApp: the typing indicator on the customer's message, and the read; Messenger: typing_on and mark_seen; Telegram: typing (it has no reads).
    await expect
      .poll(() => graph?.reads.map((r) => [r.messageId, r.typing]).sort())
      .toEqual([
        [wamid, false],
        [wamid, true],
      ]);
    await expect.poll(() => meta?.actions.map((a) => a.action).sort()).toEqual(['mark_seen', 'typing_on']);
    await expect
      .poll(() => telegram?.calls.filter((c) => c.method === 'sendChatAction').map((c) => c.body))
      .toEqual([{ chat_id: '777003', action: 'typing' }]);
  });

  it('a Telegram user writes; the answer waits out a 429 retry_after and is sent once', async () => {
    const { telegram, socket } = await telegramRelay();
    const update = await telegram.inbound({ chatId: 777001, firstName: 'Ana', username: 'ana_tg', text: 'hello bot' });
    expect(update.status).toBe(200);
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    const conversationId = inbound.type === 'message.created' ? inbound.message.conversationId : '';
    expect(await telegram.postUpdate({ update_id: 99, message: {} }, 'wrong-secret')).toMatchObject({ status: 401 });

    telegram.failNext({ error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    const started = Date.now();
    const id = await send(socket, conversationId, 'hi Ana');
    const retrying = await socket.waitFor(deliveryIs(id, 'pending', (d) => d.error?.code === 'RATE_LIMITED'));
    expect(Date.parse(retrying.delivery.nextAttemptAt as string) - started).toBeGreaterThanOrEqual(1000);
    const sent = await socket.waitFor(deliveryIs(id, 'sent'));
    expect(Date.parse(sent.delivery.updatedAt) - started).toBeGreaterThanOrEqual(1000);
    expect(sent.delivery.externalId).toBe('777001:100');
    // A reply to Ana's message goes out pointing at it (our id `777001:1`, the Bot API's message_id 1).
    const inboundId = inbound.type === 'message.created' ? inbound.message.id : '';
    const reply = await send(socket, conversationId, 'answering you', { replyTo: inboundId });
    await socket.waitFor(deliveryIs(reply, 'sent'));
    expect(telegram.calls.filter((c) => c.method === 'sendMessage').map((c) => c.body)).toEqual([
      { chat_id: '777001', text: 'hi Ana' },
      { chat_id: '777001', text: 'hi Ana' },
      { chat_id: '777001', text: 'answering you', reply_parameters: { message_id: update.messageId, allow_sending_without_reply: true } },
    ]);
  });

  for (const channel of ['messenger', 'instagram'] as const) {
    it(`a ${channel} user writes, named by the User Profile API; the answer is sent, then delivered and read come back (${channel === 'messenger' ? 'mids and read watermark' : 'read by mid'})`, async () => {
      const accountId = channel === 'messenger' ? '1122334455' : '17841400000';
      // Webhooks carry only the PSID / IGSID: the name comes from the User Profile API (Messenger first and last name, Instagram name and username).
      const profile =
        channel === 'messenger' ? { first_name: 'Peter', last_name: 'Chang' } : { name: 'Peter Chang', username: 'peter_chang_live' };
      meta = await fakeMetaSend({ channel, accessToken: 'page-token', accountId, profiles: { '6677': profile } });
      const ids = channel === 'messenger' ? { pageId: accountId } : { accountId };
      relay = await startRelay({
        channels: [
          {
            id: channel,
            type: channel,
            members: ['agent'],
            accessToken: 'page-token',
            appSecret: 'meta-secret',
            verifyToken: 'v',
            baseUrl: meta.url,
            ...ids,
          } as never,
        ],
        dispatch: { pollIntervalMs: 50 },
      });
      meta.subscribe(`${relay.url}/v1/channels/${channel}/webhook`, 'meta-secret');
      const agent = await relay.user('agent');
      const socket = await relay.connect(agent.token);
      const first = await meta.inbound({ from: '6677', text: 'olá' });
      expect(first.status).toBe(200);
      const created = await socket.waitFor((f) => f.type === 'conversation.created');
      const inbound = await socket.waitFor((f) => f.type === 'message.created');
      const conversationId = inbound.type === 'message.created' ? inbound.message.conversationId : '';
      expect(created.type === 'conversation.created' && created.conversation).toMatchObject({ id: conversationId, title: 'Peter Chang' });
      const contactId = inbound.type === 'message.created' ? (inbound.message.senderId as string) : '';
      const username = channel === 'instagram' ? 'peter_chang_live' : null;
      expect((await relay.http<Contact>('GET', `/v1/contacts/${encodeURIComponent(contactId)}`, { as: API_KEY })).body).toMatchObject({
        displayName: 'Peter Chang',
        identities: [{ channelId: channel, externalId: '6677', displayName: 'Peter Chang', username }],
      });
      expect(inbound.type === 'message.created' && inbound.message.metadata).toEqual({
        channel: { id: channel, type: channel, externalId: first.mid, sentAt: expect.any(String) },
      });
      const one = await send(socket, conversationId, 'primeira');
      const two = await send(socket, conversationId, 'segunda');
      const sentOne = await socket.waitFor(deliveryIs(one, 'sent'));
      const sentTwo = await socket.waitFor(deliveryIs(two, 'sent'));
      expect(meta.calls.slice(-2).map((c) => c.message)).toEqual([{ text: 'primeira' }, { text: 'segunda' }]);
      if (channel === 'messenger') {
        await meta.delivered('6677', [sentOne.delivery.externalId as string]);
        await socket.waitFor(deliveryIs(one, 'delivered'));
        await meta.read('6677');
        await socket.waitFor(deliveryIs(one, 'read'));
        await socket.waitFor(deliveryIs(two, 'read'));
      } else {
        await meta.read('6677', sentTwo.delivery.externalId as string);
        await socket.waitFor(deliveryIs(two, 'read'));
        expect(socket.frames.some((f) => deliveryIs(one, 'read')(f))).toBe(false);
      }
      // The profile was asked for once, when the contact was new: not for each message.
      await meta.inbound({ from: '6677', text: 'ainda eu' });
      await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'ainda eu');
      expect(meta.profileLookups.map((lookup) => lookup.id)).toEqual(['6677']);
      // Forged: refused, nothing stored.
      meta.subscribe(`${relay.url}/v1/channels/${channel}/webhook`, 'guess');
      expect((await meta.inbound({ from: '8899', text: 'forged' })).status).toBe(401);
      expect((await relay.http<{ contacts: Contact[] }>('GET', '/v1/contacts', { as: API_KEY })).body.contacts).toHaveLength(1);
      // Someone the User Profile API will not tell about (Graph error 100 / 33) is still taken in, named by their id.
      meta.subscribe(`${relay.url}/v1/channels/${channel}/webhook`, 'meta-secret');
      expect((await meta.inbound({ from: '7788', text: 'sem perfil' })).status).toBe(200);
      const unnamed = await socket.waitFor((f) => f.type === 'conversation.created' && f.conversation.id !== conversationId);
      expect(unnamed.type === 'conversation.created' && unnamed.conversation.title).toBe('7788');
      expect(meta.profileLookups.map((lookup) => lookup.id)).toEqual(['6677', '7788']);
    });
  }

  it('a User Profile API that does not answer holds a Messenger webhook 2 s at most; the contact is then named by its id', async () => {
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    // The Graph API the relay calls takes the profile request and never answers.
    const silent = await jsonServer(() => {});
    try {
      relay = await startRelay({
        channels: [
          {
            id: 'fb',
            type: 'messenger',
            members: ['agent'],
            accessToken: 'page-token',
            pageId: '1122334455',
            appSecret: 'meta-secret',
            verifyToken: 'v',
            baseUrl: silent.url,
          },
        ],
      });
      meta.subscribe(`${relay.url}/v1/channels/fb/webhook`, 'meta-secret');
      const started = Date.now();
      expect(await meta.inbound({ from: '6677', text: 'olá' })).toMatchObject({ status: 200, body: { messages: 1 } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(Date.now() - started).toBeLessThan(5_000);
      const { contacts } = (await relay.http<{ contacts: Contact[] }>('GET', '/v1/contacts', { as: API_KEY })).body;
      expect(contacts).toMatchObject([{ displayName: '6677', identities: [{ externalId: '6677', displayName: null, username: null }] }]);
    } finally {
      await silent.close();
    }
  });

  it('Telegram without a public URL: the relay long-polls getUpdates and takes each update once', async () => {
    telegram = await fakeTelegram('7:poll-token');
    relay = await startRelay({
      channels: [
        { id: 'tg', type: 'telegram', mode: 'polling', members: ['agent'], token: '7:poll-token', secretToken: 's', baseUrl: telegram.url },
      ],
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const update = (id: number, text: string) => ({
      update_id: id,
      message: {
        message_id: id,
        from: { id: 31, is_bot: false, first_name: 'Rui' },
        chat: { id: 31, type: 'private' },
        date: 1795600000,
        text,
      },
    });
    telegram.queueUpdate(update(1, 'primeira'));
    await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'primeira');
    telegram.queueUpdate(update(2, 'segunda'));
    await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'segunda');
    const polls = telegram.calls.filter((c) => c.method === 'getUpdates').map((c) => c.body.offset);
    expect(polls.slice(0, 3)).toEqual([0, 2, 3]);
    expect(socket.frames.filter((f) => f.type === 'message.created')).toHaveLength(2);
  });

  it('loopback: a contact added by the app gets answers sent, delivered, read, and echoes back', async () => {
    relay = await startRelay({
      channels: [{ id: 'loop', type: 'loopback', members: ['agent'], statusDelayMs: 20, echo: true }],
      dispatch: { pollIntervalMs: 50 },
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const added = await relay.http<Contact>('POST', '/v1/contacts', {
      as: API_KEY,
      body: { channelId: 'loop', externalId: 'alice', displayName: 'Alice' },
    });
    expect(added.status).toBe(201);
    expect((await relay.http('POST', '/v1/contacts', { as: API_KEY, body: { channelId: 'loop', externalId: 'alice' } })).status).toBe(200);
    const conversationId = added.body.conversationId as string;
    await socket.waitFor((f) => f.type === 'conversation.created' && f.conversation.id === conversationId);
    const id = await send(socket, conversationId, 'olá Alice');
    const read = await socket.waitFor(deliveryIs(id, 'read'));
    expect(read.delivery.history.map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);
    const echo = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'echo: olá Alice');
    expect(echo.type === 'message.created' && [echo.message.senderId, echo.message.replyTo]).toEqual([added.body.id, id]);
  });

  it('a generic webhook channel: signed both ways with Standard Webhooks', async () => {
    const secret = generateWebhookSecret();
    const received: Array<{ body: GenericOutbound; verified: boolean }> = [];
    const other = await jsonServer((request, raw, answer) => {
      received.push({
        body: JSON.parse(raw) as GenericOutbound,
        verified: verifyStandardWebhook(secret, { headers: request.headers, rawBody: Buffer.from(raw) }),
      });
      answer(200, { id: `crm-${received.length}` });
    });
    try {
      relay = await startRelay({
        channels: [{ id: 'crm', type: 'webhook', members: ['agent'], url: other.url, secret }],
        dispatch: { pollIntervalMs: 50 },
      });
      const agent = await relay.user('agent');
      const socket = await relay.connect(agent.token);
      const body = JSON.stringify({ type: 'message', id: 'in-1', from: { id: 'cust-9', name: 'Ana' }, text: 'preciso de ajuda' });
      const post = (headers: Record<string, string>) =>
        fetch(`${relay.url}/v1/channels/crm/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      expect((await post({})).status).toBe(401);
      expect((await post(signWebhook(secret, body))).status).toBe(200);
      const inbound = await socket.waitFor((f) => f.type === 'message.created');
      const conversationId = inbound.type === 'message.created' ? inbound.message.conversationId : '';
      const id = await send(socket, conversationId, 'claro, diga');
      const sent = await socket.waitFor(deliveryIs(id, 'sent'));
      expect(sent.delivery.externalId).toBe('crm-1');
      expect(received).toEqual([
        { body: { type: 'message', id, to: 'cust-9', text: 'claro, diga', file: null, replyTo: null }, verified: true },
      ]);
      const status = JSON.stringify({ type: 'status', id: 'crm-1', status: 'read' });
      await fetch(`${relay.url}/v1/channels/crm/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signWebhook(secret, status) },
        body: status,
      });
      await socket.waitFor(deliveryIs(id, 'read'));
    } finally {
      await other.close();
    }
  });

  it('files both ways: a customer’s image is copied into the relay once; an agent’s file goes out as a signed link the platform can fetch', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    const port = await freePort();
    relay = await startRelay({
      port,
      publicUrl: `http://127.0.0.1:${port}`,
      channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    const photo = randomBytes(200_000);
    const sent = await graph.inboundMedia({
      from: CUSTOMER,
      name: 'Maria',
      kind: 'image',
      bytes: photo,
      mimeType: 'image/jpeg',
      caption: 'a nota',
    });
    expect(sent.status).toBe(200);
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    if (inbound.type !== 'message.created') throw new Error('unreachable');
    const { attachment, conversationId } = inbound.message;
    expect(inbound.message).toMatchObject({ kind: 'file', text: 'a nota', attachment: { type: 'image/jpeg', size: photo.length } });
    expect(attachment?.sha256).toBe(createHash('sha256').update(photo).digest('hex'));
    const download = await fetch(`${relay.url}/v1/uploads/${attachment?.uploadId}`, {
      headers: { authorization: `Bearer ${agent.token}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(photo)).toBe(true);
    // Meta retries the webhook: still one message, one file.
    await graph.inboundMedia({ from: CUSTOMER, kind: 'image', bytes: photo, mimeType: 'image/jpeg', caption: 'a nota' }).catch(() => {});
    expect(
      (await relay.http<{ messages: unknown[] }>('GET', `/v1/conversations/${conversationId}/messages`, { as: API_KEY })).body.messages,
    ).toHaveLength(2);

    // The agent answers with a PDF: WhatsApp gets a document by link, and the link works without a token.
    const pdf = randomBytes(50_000);
    const form = new FormData();
    form.append('file', new Blob([pdf], { type: 'application/pdf' }), 'recibo.pdf');
    const uploaded = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}` },
      body: form,
    });
    const { id: uploadId } = (await uploaded.json()) as { id: string };
    const messageId = await send(socket, conversationId, 'seu recibo', { attachment: { uploadId } });
    await socket.waitFor(deliveryIs(messageId, 'sent'));
    const call = graph.calls.at(-1) as { type: string; document: { link: string; filename: string; caption: string } };
    expect(call).toMatchObject({ type: 'document', document: { filename: 'recibo.pdf', caption: 'seu recibo' } });
    expect(call.document.link.startsWith(`http://127.0.0.1:${port}/v1/uploads/${uploadId}?expires=`)).toBe(true);
    const fetched = await fetch(call.document.link);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(pdf)).toBe(true);
    const forged = await fetch(call.document.link.replace(/signature=[^&]+/, 'signature=AAAA'));
    expect(forged.status).toBe(401);
  });

  it('a Telegram user sends a document: it arrives as a file message with its name', async () => {
    telegram = await fakeTelegram('9:files');
    relay = await startRelay({
      channels: [{ id: 'tg', type: 'telegram', members: ['agent'], token: '9:files', secretToken: 's', baseUrl: telegram.url }],
    });
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await new TelegramConnector({ token: '9:files', secretToken: 's', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    const bytes = randomBytes(30_000);
    await telegram.inbound({ chatId: 88, text: 'o contrato', document: { bytes, name: 'contrato.pdf', mimeType: 'application/pdf' } });
    const inbound = await socket.waitFor((f) => f.type === 'message.created');
    expect(inbound.type === 'message.created' && inbound.message).toMatchObject({
      kind: 'file',
      text: 'o contrato',
      attachment: {
        name: 'contrato.pdf',
        type: 'application/pdf',
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    });
  });

  it('without a public URL, WhatsApp and Telegram files are uploaded to the platform; Messenger ones fail with NO_PUBLIC_URL', async () => {
    graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    telegram = await fakeTelegram('5:nourl');
    meta = await fakeMetaSend({ channel: 'messenger', accessToken: 'page-token', accountId: '1122334455' });
    relay = await startRelay({
      channels: [
        { id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA },
        { id: 'tg', type: 'telegram', members: ['agent'], token: '5:nourl', secretToken: 's', baseUrl: telegram.url },
        {
          id: 'fb',
          type: 'messenger',
          members: ['agent'],
          baseUrl: meta.url,
          accessToken: 'page-token',
          pageId: '1122334455',
          appSecret: 'm',
          verifyToken: 'v',
        },
      ],
      dispatch: { pollIntervalMs: 50 },
    });
    graph.subscribe(`${relay.url}/v1/channels/wa/webhook`, WA.appSecret);
    meta.subscribe(`${relay.url}/v1/channels/fb/webhook`, 'm');
    await new TelegramConnector({ token: '5:nourl', secretToken: 's', baseUrl: telegram.url }).setWebhook(
      `${relay.url}/v1/channels/tg/webhook`,
    );
    const agent = await relay.user('agent');
    const socket = await relay.connect(agent.token);
    await graph.inbound({ from: CUSTOMER, text: 'oi' });
    await telegram.inbound({ chatId: 12, text: 'hi' });
    await meta.inbound({ from: '6677', text: 'olá' });
    const conversations: string[] = [];
    for (const text of ['oi', 'hi', 'olá']) {
      const frame = await socket.waitFor((f) => f.type === 'message.created' && f.message.text === text);
      conversations.push(frame.type === 'message.created' ? frame.message.conversationId : '');
    }
    const image = randomBytes(20_000);
    const sendImage = async (conversationId: string) => {
      const form = new FormData();
      form.append('file', new Blob([image], { type: 'image/png' }), 'foto.png');
      const uploaded = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}` },
        body: form,
      });
      return send(socket, conversationId, 'a foto', { attachment: { uploadId: ((await uploaded.json()) as { id: string }).id } });
    };
    const toWhatsApp = await sendImage(conversations[0] as string);
    await socket.waitFor(deliveryIs(toWhatsApp, 'sent'));
    expect(graph.uploads).toEqual([{ id: expect.any(String), name: 'foto.png', type: 'image/png', size: image.length }]);
    const mediaId = graph.uploads[0]?.id as string;
    expect(graph.mediaBytes(mediaId)?.equals(image)).toBe(true);
    expect(graph.calls.at(-1)).toMatchObject({ type: 'image', image: { id: mediaId, caption: 'a foto' } });

    const toTelegram = await sendImage(conversations[1] as string);
    await socket.waitFor(deliveryIs(toTelegram, 'sent'));
    expect(telegram.uploads.map(({ method, field, name, type }) => ({ method, field, name, type }))).toEqual([
      { method: 'sendPhoto', field: 'photo', name: 'foto.png', type: 'image/png' },
    ]);
    expect(telegram.uploads[0]?.bytes.equals(image)).toBe(true);
    expect(telegram.calls.at(-1)).toEqual({ method: 'sendPhoto', body: { chat_id: '12', caption: 'a foto', photo: 'attach://foto.png' } });

    const toMessenger = await sendImage(conversations[2] as string);
    const failed = await socket.waitFor(deliveryIs(toMessenger, 'failed'));
    expect(failed.delivery.error?.code).toBe('NO_PUBLIC_URL');
  });
});
