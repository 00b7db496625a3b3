import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { mayPin } from './rules.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('mayPin', () => {
  it('lets owners and admins pin in groups, both members in private conversations, and the server API key anywhere', () => {
    expect(mayPin({ type: 'group' }, { role: 'owner' })).toBe(true);
    expect(mayPin({ type: 'group' }, { role: 'admin' })).toBe(true);
    expect(mayPin({ type: 'group' }, { role: 'member' })).toBe(false);
    expect(mayPin({ type: 'private' }, { role: 'member' })).toBe(true);
    expect(mayPin({ type: 'group' }, null)).toBe(true);
  });
});

describe('pinsPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('pins, lists and unpins a message through the server API key', async () => {
    t = await testApp();
    await registerMessagePath(t);
    const { app, store } = t;
    for (const id of ['ana', 'bob']) await store.users.ensure(id, null, Date.now());
    const created = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: server,
      payload: { type: 'private', userId: 'bob', createdBy: 'ana' },
    });
    const conversationId = created.json<{ id: string }>().id;
    const messageId = randomUUID();
    await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: server,
      payload: { id: messageId, text: 'hi', senderId: 'ana' },
    });
    const url = `/v1/conversations/${conversationId}/pins`;
    const pinned = await app.inject({ method: 'PUT', url: `${url}/${messageId}`, headers: server });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json()).toMatchObject({ conversationId, messageId, pinnedBy: null, expiresAt: null, message: { text: 'hi' } });
    expect((await app.inject({ method: 'GET', url, headers: server })).json()).toEqual({ pins: [pinned.json()] });
    expect((await app.inject({ method: 'DELETE', url: `${url}/${messageId}`, headers: server })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url, headers: server })).json()).toEqual({ pins: [] });
  });
});
