import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import type { MessageChange } from './service.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('messagesPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withMessages() {
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
    return { app, conversationId: created.json<{ id: string }>().id };
  }

  it('sends, reads back and edits a message; a retried send answers the original ack', async () => {
    const { app, conversationId } = await withMessages();
    const message = { id: randomUUID(), text: 'hello', senderId: 'ana' };
    const url = `/v1/conversations/${conversationId}/messages`;
    const sent = await app.inject({ method: 'POST', url, headers: server, payload: message });
    expect(sent.statusCode).toBe(201);
    expect(sent.json()).toMatchObject({ messageId: message.id, seq: 1 });
    const again = await app.inject({ method: 'POST', url, headers: server, payload: message });
    expect(again.json()).toEqual(sent.json());
    const history = await app.inject({ method: 'GET', url, headers: server });
    expect(history.json<{ messages: Array<{ text: string }> }>().messages.map((m) => m.text)).toEqual(['hello']);
    const changes: MessageChange[] = [];
    app.messages.observe({ changed: (change) => changes.push(change) });
    const edited = await app.inject({ method: 'PATCH', url: `${url}/${message.id}`, headers: server, payload: { text: 'hello!' } });
    expect(edited.json()).toMatchObject({ text: 'hello!' });
    expect(changes.map((c) => c.kind)).toEqual(['edit']);
  });

  it('counts committed messages in the metrics, and flushes what waits for its batch', async () => {
    const { app, conversationId } = await withMessages();
    const principal = { kind: 'server' } as const;
    const pending = app.messages.send(principal, conversationId, { id: randomUUID(), text: 'batched', senderId: 'ana' });
    await app.messages.flush();
    await expect(pending).resolves.toMatchObject({ seq: 1 });
    const metrics = await app.metrics.registry.getSingleMetricAsString('chat4all_messages_appended_total');
    expect(metrics).toContain('chat4all_messages_appended_total 1');
  });

  it('answers UPLOAD_NOT_FOUND for a file message whose upload does not exist', async () => {
    const { app, conversationId } = await withMessages();
    const sent = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: server,
      payload: { id: randomUUID(), text: '', senderId: 'ana', attachment: { uploadId: 'up_missing' } },
    });
    expect(sent.statusCode).toBe(404);
    expect(sent.json()).toMatchObject({ code: 'UPLOAD_NOT_FOUND' });
  });
});
