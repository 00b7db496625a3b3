import { afterEach, describe, expect, it } from 'vitest';
import type { BusEnvelope } from '../bus/types.js';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { inboxPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('inboxPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it("changes a member's own settings, publishes them to that member alone, and clears a mark when they read", async () => {
    t = await testApp();
    await registerMessagePath(t);
    const { app, store, config, bus } = t;
    await app.register(inboxPlugin, { limits: config.limits, store });
    for (const id of ['ana', 'bob']) await store.users.ensure(id, null, Date.now());
    const created = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: server,
      payload: { type: 'private', userId: 'bob', createdBy: 'ana' },
    });
    const conversationId = created.json<{ id: string }>().id;
    const published: BusEnvelope[] = [];
    bus.subscribe((envelope) => published.push(envelope));
    const ana = { authorization: `Bearer ${(await app.tokens.mint('ana')).token}` };

    const url = `/v1/conversations/${conversationId}/settings`;
    const marked = await app.inject({ method: 'PATCH', url, headers: ana, payload: { markedUnread: true, archived: true } });
    expect(marked.json()).toEqual({ mutedUntil: null, archived: true, pinnedAt: null, markedUnread: true });
    expect(published).toEqual([
      { kind: 'conversation', conversationId, to: ['ana'], event: expect.objectContaining({ type: 'conversation.settings', eventSeq: 1 }) },
    ]);
    expect((await app.inject({ method: 'GET', url: '/v1/me/unread', headers: ana })).json()).toEqual({ messages: 0, conversations: 0 });

    await app.messages.receipt('ana', conversationId, 'read', 0);
    expect((await app.inject({ method: 'GET', url, headers: ana })).json()).toMatchObject({ markedUnread: false, archived: true });
    expect(published.at(-1)).toMatchObject({ to: ['ana'], event: { settings: { markedUnread: false }, eventSeq: 2 } });
    expect((await app.inject({ method: 'PATCH', url, headers: server, payload: { archived: false } })).statusCode).toBe(403);
  });
});
