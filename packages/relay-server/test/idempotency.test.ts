import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from './fixtures.js';

describe('idempotent send', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('stores one row and answers five identical acks for one id sent 5 times concurrently over WebSocket and REST', async () => {
    relay = await startRelay();
    const ana = await relay.user('ana');
    const bob = await relay.user('bob');
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const [ws1, ws2, ws3] = await Promise.all([relay.connect(ana.token), relay.connect(ana.token), relay.connect(ana.token)]);
    const bobSocket = await relay.connect(bob.token);
    const messageId = randomUUID();
    const message = { id: messageId, text: 'only once' };
    const frame = { type: 'message.send', conversationId: conv.body.id, message };
    const path = `/v1/conversations/${conv.body.id}/messages`;

    const [a, b, c, d, e] = await Promise.all([
      ws1.request(frame),
      ws2.request(frame),
      ws3.request(frame),
      relay.http('POST', path, { as: ana.token, body: message }),
      relay.http('POST', path, { as: ana.token, body: message }),
    ]);
    const acks = [a, b, c].map((reply) => (reply.type === 'ack' ? reply.result : reply));
    const rest = [d, e].map((response) => {
      expect(response.status).toBe(201);
      return response.body;
    });
    const all = [...acks, ...rest];
    expect(all[0]).toMatchObject({ messageId, conversationId: conv.body.id, seq: 1 });
    for (const ack of all) expect(ack).toEqual(all[0]);

    const history = await relay.http<{ messages: unknown[] }>('GET', `${path}?limit=50`, { as: bob.token });
    expect(history.body.messages).toHaveLength(1);

    // A retry long after, on a new connection, still gets the original ack.
    const later = await relay.connect(ana.token);
    const again = await later.request(frame);
    expect(again.type === 'ack' && again.result).toEqual(all[0]);

    // On one node, the five sends and the retry were one message for Bob: one event, then the next message.
    const next = await later.request({ ...frame, message: { id: randomUUID(), text: 'next' } });
    expect(next.type).toBe('ack');
    const created = await bobSocket.waitFor((f) => f.type === 'message.created' && f.message.text === 'next');
    expect(created.type).toBe('message.created');
    expect(
      bobSocket.frames.filter((f) => f.type === 'message.created').map((f) => (f.type === 'message.created' ? f.message.text : '')),
    ).toEqual(['only once', 'next']);
  });

  it('answers the original ack after a restart and never a second row', async () => {
    relay = await startRelay({}, { keepData: true });
    const ana = await relay.user('ana');
    const bob = await relay.user('bob');
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const message = { id: randomUUID(), text: 'before restart' };
    const path = `/v1/conversations/${conv.body.id}/messages`;
    const first = await relay.http('POST', path, { as: ana.token, body: message });
    const dataDir = relay.dataDir;
    await relay.close();

    relay = await startRelay({}, { dataDir });
    const second = await relay.http('POST', path, { as: ana.token, body: message });
    expect(second).toEqual(first);
    const history = await relay.http<{ messages: unknown[] }>('GET', path, { as: ana.token });
    expect(history.body.messages).toHaveLength(1);
  });
});
