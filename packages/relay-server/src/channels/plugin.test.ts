import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { MemoryWorkQueue } from '../queue/memory.js';
import type { DispatchItem } from './dispatcher.js';
import { channelsPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('channelsPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withChannels() {
    t = await testApp({
      channels: [{ id: 'lo', type: 'loopback', members: ['agent'], statusDelayMs: 0 }],
      dispatch: { pollIntervalMs: 50 },
    });
    await registerMessagePath(t);
    const { app, config, store, shared } = t;
    await app.register(channelsPlugin, {
      config,
      store,
      shared,
      dispatchQueue: new MemoryWorkQueue<DispatchItem>({ concurrency: 1 }),
    });
    return app;
  }

  it("adds a contact with its conversation, dispatches the agent's message to it, and shows the delivery", async () => {
    const app = await withChannels();
    const added = await app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: server,
      payload: { channelId: 'lo', externalId: 'c-1' },
    });
    expect(added.statusCode).toBe(201);
    const contact = added.json<{ id: string; conversationId: string }>();
    expect((await app.inject({ method: 'GET', url: `/v1/contacts/${contact.id}`, headers: server })).json()).toEqual(contact);
    const list = await app.inject({ method: 'GET', url: '/v1/contacts', headers: server });
    expect(list.json()).toEqual({ contacts: [contact], nextCursor: null });
    const policies = await app.inject({ method: 'GET', url: `/v1/conversations/${contact.conversationId}/channels`, headers: server });
    expect(policies.json()).toMatchObject({ channels: [{ contactId: contact.id, channelId: 'lo', channel: 'loopback' }] });

    const messageId = randomUUID();
    const sent = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${contact.conversationId}/messages`,
      headers: server,
      payload: { id: messageId, text: 'hello', senderId: 'agent' },
    });
    expect(sent.statusCode).toBe(201);
    const url = `/v1/conversations/${contact.conversationId}/messages/${messageId}/deliveries`;
    await vi.waitFor(async () => {
      const deliveries = (await app.inject({ method: 'GET', url, headers: server })).json<{ deliveries: Array<{ status: string }> }>();
      expect(deliveries.deliveries.map((d) => d.status)).not.toContain('pending');
      expect(deliveries.deliveries).toHaveLength(1);
    });
    expect(await app.deliveries.list(messageId)).toHaveLength(1);
  });

  it('answers an empty dead-letter queue and CONTACT_NOT_FOUND, and stops dispatching when the app closes', async () => {
    const app = await withChannels();
    const dead = await app.inject({ method: 'GET', url: '/v1/admin/dead-letters', headers: server });
    expect(dead.json()).toEqual({ deliveries: [], total: 0, nextCursor: null });
    const missing = await app.inject({ method: 'PATCH', url: '/v1/contacts/contact:nope', headers: server, payload: {} });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'CONTACT_NOT_FOUND' });
    const gauge = await app.metrics.registry.getSingleMetricAsString('chat4all_dead_letters');
    expect(gauge).toContain('chat4all_dead_letters 0');
    await app.close();
    t = undefined;
  });
});
