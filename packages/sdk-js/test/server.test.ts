import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeGraph } from '@chat4all/connectors/testing';
import express from 'express';
import Fastify from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: the generator is plain JavaScript, run by `pnpm generate:server-types`.
import { TYPES_FILE, typesOf } from '../scripts/server-types.mjs';
import {
  type AppWebhookEvent,
  Chat4AllError,
  createServerClient,
  fastifyWebhook,
  verifyWebhook,
  webhookHandler,
} from '../src/server/index.js';
import { API_KEY, startRelay } from './relay.js';

const WA = { accessToken: 'EAAJB-sdk-token', phoneNumberId: '106540352242922', appSecret: 'meta-app-secret', verifyToken: 'v' };

/** The operations the relay's OpenAPI document lets the server API key call, as `METHOD /path/{param}`. */
async function serverOperations(url: string): Promise<string[]> {
  const document = (await fetch(`${url}/v1/openapi.json`).then((response) => response.json())) as {
    paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
  };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([, operation]) => (operation.security ?? []).some((scheme) => 'server' in scheme))
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
}

/** A `fetch` that notes each call's method and path. */
function recording(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  };
}

/** Whether a called path is an operation's template with each `{param}` filled by one segment. */
function matches(operation: string, call: string): boolean {
  const [method, path] = operation.split(' ') as [string, string];
  const pattern = new RegExp(`^${method} ${path.replace(/\{\w+\}/g, '[^/]+')}$`);
  return pattern.test(call);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the server client (@chat4all/sdk-js/server)', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('is typed from the OpenAPI document the running relay serves', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const document = await fetch(`${relay.url}/v1/openapi.json`).then((response) => response.json());
    expect(await typesOf(document)).toBe(readFileSync(TYPES_FILE, 'utf8'));
  });

  it('calls every operation the OpenAPI document gives the server API key, each as the relay answers it', async () => {
    const graph = await fakeGraph({ accessToken: WA.accessToken, phoneNumberId: WA.phoneNumberId });
    cleanup.push(() => graph.close());
    const relay = await startRelay({
      config: {
        channels: [{ id: 'wa', type: 'whatsapp', members: ['agent'], baseUrl: graph.url, ...WA }],
        webhooks: { allowPrivateAddresses: true },
      },
    });
    cleanup.push(relay.remove, relay.close);
    const recorder = recording();
    const server = createServerClient({ url: relay.url, apiKey: API_KEY, fetch: recorder.fetch });

    // Users and their tokens.
    expect(await server.users.upsert('bot', { displayName: 'Helper bot' })).toMatchObject({ id: 'bot', displayName: 'Helper bot' });
    await server.users.upsert('ana', { displayName: 'Ana' });
    await server.users.upsert('bob', { displayName: 'Bob' });
    await server.users.upsert('agent', { displayName: 'Agent' });
    expect(await server.users.get('ana')).toMatchObject({ id: 'ana', displayName: 'Ana' });
    expect((await server.users.search({ query: 'an' })).users.map((u) => u.id)).toContain('ana');
    const { token } = await server.users.token('ana', { ttlSeconds: 600 });
    const me = await fetch(`${relay.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(me).toMatchObject({ id: 'ana' });

    // Conversations and members.
    const group = await server.conversations.create({ type: 'group', createdBy: 'ana', title: 'Team', memberIds: ['bot'] });
    const conversationId = group.id;
    expect(await server.conversations.get(conversationId)).toMatchObject({ id: conversationId, title: 'Team' });
    expect(await server.conversations.update(conversationId, { title: 'Team room' })).toMatchObject({ title: 'Team room' });
    await server.conversations.addMembers(conversationId, { userIds: ['bob'] });
    expect(await server.conversations.setRole(conversationId, 'bob', { role: 'admin' })).toMatchObject({ userId: 'bob', role: 'admin' });
    expect((await server.conversations.members(conversationId)).members.map((m) => m.userId).sort()).toEqual(['ana', 'bob', 'bot']);
    expect(await server.conversations.mute(conversationId, 'bot', {})).toMatchObject({ userId: 'bot' });
    expect(await server.conversations.restrictions(conversationId)).toMatchObject({
      restrictions: [expect.objectContaining({ userId: 'bot' })],
    });
    await server.conversations.unmute(conversationId, 'bot');
    await server.conversations.removeMember(conversationId, 'bob');
    expect((await server.conversations.members(conversationId)).members.map((m) => m.userId).sort()).toEqual(['ana', 'bot']);
    await server.conversations.ban(conversationId, 'bob');
    await server.conversations.unban(conversationId, 'bob');
    expect(await server.conversations.setRetention(conversationId, { days: 30 })).toMatchObject({ conversationId, days: 30 });
    expect(await server.conversations.retention(conversationId)).toMatchObject({ days: 30 });
    expect(await server.conversations.channels(conversationId)).toMatchObject({ channels: [] });
    expect(await server.conversations.rejectedMessages(conversationId, { limit: 10 })).toMatchObject({ rejected: [], hasMore: false });

    // Messages: as a bot, as the system, edited, reacted to, pinned, replied to in a thread.
    const id = randomUUID();
    const posted = await server.messages.post(conversationId, { id, senderId: 'bot', text: 'Hello from the bot' });
    expect(posted).toMatchObject({ messageId: id, conversationId, seq: 1 });
    // The same id again: the stored message, not a second one.
    expect(await server.messages.post(conversationId, { id, senderId: 'bot', text: 'Hello from the bot' })).toMatchObject({
      messageId: id,
      seq: 1,
    });
    await server.messages.post(conversationId, { id: randomUUID(), text: 'Ana named the room' });
    expect(await server.messages.edit(conversationId, id, { text: 'Hello again' })).toMatchObject({ text: 'Hello again' });
    expect(await server.messages.react(conversationId, id, '👍', 'ana')).toMatchObject({ reactions: [{ key: '👍', userIds: ['ana'] }] });
    await server.messages.unreact(conversationId, id, '👍', 'ana');
    await server.messages.post(conversationId, { id: randomUUID(), senderId: 'ana', text: 'in the thread', threadId: id });
    expect((await server.messages.thread(conversationId, id)).messages.map((m) => m.text)).toEqual(['in the thread']);
    expect((await server.messages.list(conversationId, { limit: 10 })).messages.map((m) => [m.senderId, m.text])).toEqual([
      ['bot', 'Hello again'],
      [null, 'Ana named the room'],
    ]);
    expect(await server.messages.receipts(conversationId, id)).toMatchObject({ messageId: id });
    expect(await server.messages.deliveries(conversationId, id)).toMatchObject({ deliveries: [] });
    expect(await server.messages.deliveriesOf(conversationId, [id])).toEqual({ deliveries: [] });
    await server.pins.pin(conversationId, id, {});
    expect((await server.pins.list(conversationId)).pins.map((pin) => pin.messageId)).toEqual([id]);
    await server.pins.unpin(conversationId, id);
    expect(await server.messages.delete(conversationId, id)).toMatchObject({ id, deletedAt: expect.any(String) });

    // Contacts and channels.
    const contact = await server.contacts.create({ channelId: 'wa', externalId: '5511999990000', displayName: 'Maria' });
    expect(contact).toMatchObject({ displayName: 'Maria' });
    expect(await server.contacts.get(contact.id)).toMatchObject({ id: contact.id });
    expect((await server.contacts.list({ limit: 10 })).contacts.map((c) => c.id)).toEqual([contact.id]);
    expect(await server.contacts.update(contact.id, { preferredChannelId: 'wa' })).toMatchObject({ id: contact.id });
    expect((await server.channels.health()).channels.map((c) => c.id)).toEqual(['wa']);
    expect(await server.channels.resume('wa')).toMatchObject({ id: 'wa' });
    expect(await server.deadLetters.list({ limit: 10 })).toMatchObject({ deliveries: [] });
    // Names of things that do not exist come back as the relay's coded errors.
    await expect(server.deadLetters.replay('no-such-delivery')).rejects.toMatchObject({ code: 'DELIVERY_NOT_FOUND', status: 404 });
    await expect(server.deadLetters.discard('no-such-delivery')).rejects.toBeInstanceOf(Chat4AllError);
    expect(await server.reports.list({ limit: 10 })).toMatchObject({ reports: [] });
    await expect(server.reports.close('no-such-report', { status: 'dismissed' })).rejects.toMatchObject({ code: 'REPORT_NOT_FOUND' });

    // Webhooks.
    const hook = await server.webhooks.create({ url: 'http://127.0.0.1:9/events', events: ['message.created'] });
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await server.webhooks.list()).webhooks.map((w) => w.id)).toEqual([hook.id]);
    expect(await server.webhooks.get(hook.id)).toMatchObject({ id: hook.id });
    expect(await server.webhooks.update(hook.id, { enabled: false })).toMatchObject({ enabled: false });
    await server.webhooks.delete(hook.id);

    // A person's data.
    const started = await server.users.export('ana');
    expect(await server.users.getExport('ana', started.id)).toMatchObject({ id: started.id });
    expect(await server.users.erase('bob')).toMatchObject({ userId: 'bob' });
    expect(await server.contacts.erase(contact.id)).toMatchObject({ userId: contact.id });

    const operations = await serverOperations(relay.url);
    expect(operations.length).toBeGreaterThan(45);
    const uncovered = operations.filter((operation) => !recorder.calls.some((call) => matches(operation, call)));
    expect(uncovered).toEqual([]);
  });

  it('sends each path value as one segment: an id cannot reach another route', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const recorder = recording();
    const server = createServerClient({ url: relay.url, apiKey: API_KEY, fetch: recorder.fetch });
    // Not GET /v1/users/ana/tokens: a user id with a slash, which no user id matches.
    await expect(server.users.get('ana/tokens')).rejects.toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    await expect(server.conversations.get('../users/ana')).rejects.toBeInstanceOf(Chat4AllError);
    expect(recorder.calls).toEqual(['GET /v1/users/ana%2Ftokens', 'GET /v1/conversations/..%2Fusers%2Fana']);
    // `.` and `..` would be resolved by the URL to another route: refused before any call.
    await expect(server.messages.thread('c1', '..')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(recorder.calls).toHaveLength(2);
    // A wrong API key is the relay's UNAUTHENTICATED, not a crash.
    await expect(createServerClient({ url: relay.url, apiKey: 'wrong' }).users.get('ana')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
    });
  });

  it('turns an answer that is not the relay’s (a proxy’s error page) into a coded error by its status', async () => {
    const proxy = createServer((_request, response) => {
      response.statusCode = 502;
      response.setHeader('content-type', 'text/html');
      response.end('<html><body>Bad Gateway</body></html>');
    });
    const url = await listen(proxy);
    cleanup.push(() => new Promise((resolve) => proxy.close(resolve)));
    const error = await createServerClient({ url, apiKey: API_KEY })
      .users.get('ana')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Chat4AllError);
    expect(error).toMatchObject({ code: 'INTERNAL', retryable: true, details: { status: 502 } });
  });

  it('answers 500 (retried) to a call whose body a JSON parser took first, and refuses a malformed secret when the handler is made', async () => {
    const app = express();
    app.use(express.json());
    const listener = () => {
      throw new Error('never called');
    };
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    app.post('/events', (request, response) => webhookHandler(secret, listener)(request, response));
    const server = createServer(app);
    const url = await listen(server);
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const body = JSON.stringify({ type: 'message.created', timestamp: new Date().toISOString(), data: {} });
    const at = new Date();
    const headers = {
      'webhook-id': 'message.created:1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('message.created:1', at, body),
      'content-type': 'application/json',
    };
    const response = await fetch(`${url}/events`, { method: 'POST', headers, body });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('express.raw') });
    expect(() => webhookHandler('not-a-secret', listener)).toThrow();
  });

  it('verifies the relay’s webhook calls in plain Node, Express and Fastify, and refuses forged, tampered and stale ones', async () => {
    const relay = await startRelay({ config: { webhooks: { allowPrivateAddresses: true, baseDelayMs: 50, maxDelayMs: 200 } } });
    cleanup.push(relay.remove, relay.close);
    const server = createServerClient({ url: relay.url, apiKey: API_KEY });
    const received: Record<string, AppWebhookEvent[]> = { node: [], express: [], fastify: [] };
    let failOnce = true;
    const secrets: Record<string, string> = {};
    let allArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      allArrived = resolve;
    });
    const listener = (name: string) => (event: AppWebhookEvent) => {
      // The plain Node receiver fails its first call: the relay calls again.
      if (name === 'node' && failOnce) {
        failOnce = false;
        throw new Error('not now');
      }
      received[name]?.push(event);
      if (Object.values(received).every((events) => events.length > 0)) allArrived();
    };

    const plain = createServer((request, response) => void webhookHandler(secrets.node ?? '', listener('node'))(request, response));
    const app = express();
    app.post('/events', express.raw({ type: 'application/json' }), (request, response) =>
      webhookHandler(secrets.express ?? '', listener('express'))(request, response),
    );
    app.use(express.json());
    const expressServer = createServer(app);
    const urls = { node: await listen(plain), express: await listen(expressServer) };
    cleanup.push(
      () => new Promise((resolve) => plain.close(resolve)),
      () => new Promise((resolve) => expressServer.close(resolve)),
    );
    for (const name of ['node', 'express'] as const) {
      const hook = await server.webhooks.create({ url: `${urls[name]}/events`, events: ['message.created'] });
      secrets[name] = hook.secret as string;
    }
    // The Fastify plugin takes its secret when registered: its endpoint is registered first, then pointed at it.
    const fastifyHook = await server.webhooks.create({ url: 'http://127.0.0.1:1/placeholder', events: ['message.created'] });
    const secured = Fastify();
    secured.post('/other', async (request) => ({ parsed: request.body }));
    secrets.fastify = fastifyHook.secret as string;
    await secured.register(fastifyWebhook({ path: '/events', secret: secrets.fastify, listener: listener('fastify') }));
    const fastifyUrl = await secured.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => secured.close());
    await server.webhooks.update(fastifyHook.id, { url: `${fastifyUrl}/events` });

    await server.users.upsert('ana', {});
    const conversation = await server.conversations.create({ type: 'group', createdBy: 'ana', memberIds: [] });
    const id = randomUUID();
    await server.messages.post(conversation.id, { id, senderId: 'ana', text: 'to every backend' });
    await arrived;
    for (const name of ['node', 'express', 'fastify']) {
      const [event] = received[name] as AppWebhookEvent[];
      expect(event, name).toMatchObject({
        id: `message.created:${id}`,
        type: 'message.created',
        data: { message: { id, text: 'to every backend' } },
      });
    }
    // Other routes of the Fastify app keep parsing JSON.
    const other = await fetch(`${fastifyUrl}/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await other.json()).toEqual({ parsed: { a: 1 } });

    // Calls that are not the relay's: signed with another secret, tampered with, too old, unsigned.
    const body = JSON.stringify({ type: 'message.created', timestamp: new Date().toISOString(), data: { message: { id: 'forged' } } });
    const sign = (secret: string, at: Date, payload = body) => {
      const msgId = `message.created:${randomUUID()}`;
      return {
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(msgId, at, payload),
        'content-type': 'application/json',
      };
    };
    const stranger = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    for (const [name, target] of [
      ['node', `${urls.node}/events`],
      ['express', `${urls.express}/events`],
      ['fastify', `${fastifyUrl}/events`],
    ] as const) {
      const secret = secrets[name] as string;
      const attempts = [
        { headers: sign(stranger, new Date()), body },
        { headers: sign(secret, new Date()), body: body.replace('forged', 'altered') },
        { headers: sign(secret, new Date(Date.now() - 10 * 60_000)), body },
        { headers: { 'content-type': 'application/json' }, body },
      ];
      for (const attempt of attempts) {
        const response = await fetch(target, { method: 'POST', headers: attempt.headers, body: attempt.body });
        expect(response.status, target).toBe(401);
        expect(await response.json()).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
      }
      // Signed with its secret, the same body is taken: the refusals above were about the signature.
      const genuine = await fetch(target, { method: 'POST', headers: sign(secret, new Date()), body });
      expect(genuine.status, target).toBe(204);
    }
    expect(Object.values(received).map((events) => events.map((event) => event.data))).toEqual([
      [expect.objectContaining({ message: expect.objectContaining({ id }) }), { message: { id: 'forged' } }],
      [expect.objectContaining({ message: expect.objectContaining({ id }) }), { message: { id: 'forged' } }],
      [expect.objectContaining({ message: expect.objectContaining({ id }) }), { message: { id: 'forged' } }],
    ]);
    // The plain Node receiver's first call failed (500) and the relay called again.
    expect(failOnce).toBe(false);
    expect(() => verifyWebhook(stranger, { headers: sign(secrets.node as string, new Date()), body })).toThrow(Chat4AllError);
  });
});
