import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin } from '../auth/plugin.js';
import type { BusEnvelope } from '../bus/types.js';
import { TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { conversationsPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('conversationsPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withConversations() {
    t = await testApp();
    const { app, config, store, bus } = t;
    await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits: config.limits, store, bus });
    await app.register(conversationsPlugin, { metadataMaxBytes: config.limits.metadataMaxBytes, store });
    for (const id of ['ana', 'bob']) await store.users.ensure(id, null, Date.now());
    return { app, bus };
  }

  it('creates a conversation, lists its members, and publishes the change through the node events', async () => {
    const { app } = await withConversations();
    const published: BusEnvelope[] = [];
    app.nodeEvents.observe({ published: (envelope) => published.push(envelope) });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: server,
      payload: { type: 'private', userId: 'bob', createdBy: 'ana' },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    const members = await app.inject({ method: 'GET', url: `/v1/conversations/${id}/members`, headers: server });
    expect(
      members
        .json<{ members: Array<{ userId: string }> }>()
        .members.map((m) => m.userId)
        .sort(),
    ).toEqual(['ana', 'bob']);
    expect(published.some((e) => e.kind === 'conversation' && e.event.type === 'conversation.created')).toBe(true);
    expect(await app.conversations.idsOf('ana')).toEqual([id]);
    expect(await app.conversations.sharingConversation('ana', ['bob', 'carol'])).toEqual(new Set(['bob']));
  });

  it('answers CONVERSATION_NOT_FOUND for a conversation that does not exist', async () => {
    const { app } = await withConversations();
    const response = await app.inject({ method: 'GET', url: '/v1/conversations/nope', headers: server });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });
});
