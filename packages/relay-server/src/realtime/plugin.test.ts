import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { realtimePlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

interface Frame {
  type: string;
  [key: string]: unknown;
}

describe('realtimePlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withRealtime() {
    t = await testApp();
    await registerMessagePath(t);
    const { app, config, bus, shared, store } = t;
    await app.register(realtimePlugin, { config, bus, shared, store });
    for (const id of ['ana', 'bob']) await store.users.ensure(id, null, Date.now());
    const conversation = await app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: server,
      payload: { type: 'private', userId: 'bob', createdBy: 'ana' },
    });
    return { app, conversationId: conversation.json<{ id: string }>().id };
  }

  /** A socket through `injectWS`, with every frame it is sent and how it closed. */
  async function connect(app: TestApp['app'], userId: string) {
    const { token } = await app.tokens.mint(userId);
    const frames: Frame[] = [];
    let closed: Promise<{ code: number; reason: string }> | undefined;
    const onInit = (ws: WebSocket) => {
      ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
      closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    };
    const socket = await app.injectWS(`/v1/ws?access_token=${token}`, { socket: { remoteAddress: '127.0.0.1' } } as object, { onInit });
    await vi.waitFor(() => expect(frames.map((f) => f.type)).toContain('welcome'));
    return { socket, frames, closed };
  }

  it("welcomes a user's socket, delivers what is sent to its conversations, and shows who is online", async () => {
    const { app, conversationId } = await withRealtime();
    const bob = await connect(app, 'bob');
    expect(app.hub.size).toBe(1);
    await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: server,
      payload: { id: randomUUID(), text: 'live', senderId: 'ana' },
    });
    await vi.waitFor(() => expect(bob.frames.map((f) => f.type)).toContain('message.created'));
    const { token } = await app.tokens.mint('ana');
    const presence = await app.inject({
      method: 'GET',
      url: '/v1/presence?userIds=bob,carol',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(presence.json<{ presence: Array<{ userId: string; status: string }> }>().presence).toEqual([
      expect.objectContaining({ userId: 'bob', status: 'online' }),
    ]);
  });

  it('commits the sends waiting for their batch, then closes every socket with SHUTTING_DOWN (1001), when the app closes', async () => {
    const { app, conversationId } = await withRealtime();
    const bob = await connect(app, 'bob');
    const pending = app.messages.send({ kind: 'server' }, conversationId, { id: randomUUID(), text: 'last words', senderId: 'ana' });
    await app.close();
    t = undefined;
    await expect(pending).resolves.toMatchObject({ seq: 1 });
    expect(await bob.closed).toEqual({ code: 1001, reason: 'SHUTTING_DOWN' });
    expect(app.hub.size).toBe(0);
  });
});
