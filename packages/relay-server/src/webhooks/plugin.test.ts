import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { webhooksPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('webhooksPlugin', () => {
  let t: TestApp | undefined;
  let receiver: Server | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
    receiver?.close();
  });

  /** An endpoint that records the event types it is sent. */
  async function listen(): Promise<{ url: string; types: string[] }> {
    const types: string[] = [];
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        types.push((JSON.parse(body) as { type: string }).type);
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, types };
  }

  async function withWebhooks() {
    t = await testApp({ webhooks: { allowPrivateAddresses: true, pollIntervalMs: 50 } });
    await registerMessagePath(t);
    const { app, config, store } = t;
    await app.register(webhooksPlugin, { config: config.webhooks, store });
    await store.users.ensure('ana', null, Date.now());
    return app;
  }

  it('registers, lists and deletes endpoints with the server API key', async () => {
    const app = await withWebhooks();
    const created = await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: server,
      payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: server })).json()).toMatchObject({ webhooks: [{ id }] });
    expect((await app.webhooks.list()).map((w) => w.id)).toEqual([id]);
    expect((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: server })).statusCode).toBe(204);
    const gone = await app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: server });
    expect(gone.json()).toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });
  });

  it('reports what this node publishes: a message sent here reaches the endpoint as message.created', async () => {
    const app = await withWebhooks();
    const endpoint = await listen();
    await app.inject({ method: 'POST', url: '/v1/webhooks', headers: server, payload: { url: endpoint.url, events: ['message.created'] } });
    const conversation = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: server,
      payload: { type: 'group', createdBy: 'ana' },
    });
    const sent = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.json<{ id: string }>().id}/messages`,
      headers: server,
      payload: { id: randomUUID(), text: 'reported', senderId: 'ana' },
    });
    expect(sent.statusCode).toBe(201);
    await vi.waitFor(() => expect(endpoint.types).toEqual(['message.created']));
  });
});
