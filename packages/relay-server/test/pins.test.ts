import { randomUUID } from 'node:crypto';
import type { Conversation, ConversationDetail, Pin, ServerFrame } from '@chat4all/protocol';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, sendText, startRelay, type TestSocket } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

type PinFrame = Extract<ServerFrame, { type: 'pin.updated' }>;
const isPin = (frame: ServerFrame): frame is PinFrame => frame.type === 'pin.updated';

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `pins_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
    },
  ],
])('pinned messages (%s)', (_store, storeConfig) => {
  const setUp = async (relay: RunningRelay) => {
    const [ana, bob, cid, eve] = [await relay.user(), await relay.user(), await relay.user(), await relay.user()];
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: [bob.id, cid.id] },
    });
    const conversationId = created.body.id;
    // cid is an admin; bob stays a plain member.
    await relay.http('PATCH', `/v1/conversations/${conversationId}/members/${cid.id}`, { as: ana.token, body: { role: 'admin' } });
    const anaSocket = await relay.connect(ana.token);
    const ids = [randomUUID(), randomUUID(), randomUUID()] as const;
    for (const [i, id] of ids.entries()) await sendText(anaSocket, conversationId, `note ${i}`, id);
    const path = (messageId: string) => `/v1/conversations/${conversationId}/pins/${messageId}`;
    const list = async (token: string) =>
      (await relay.http<{ pins: Pin[] }>('GET', `/v1/conversations/${conversationId}/pins`, { as: token })).body.pins;
    return { ana, bob, cid, eve, conversationId, anaSocket, ids, path, list };
  };

  it('owners and admins pin and unpin over REST and WebSocket, live to every member, newest first', async () => {
    await using relay = await startRelay(storeConfig());
    const { ana, bob, cid, conversationId, anaSocket, ids, path, list } = await setUp(relay);
    const bobSocket = await relay.connect(bob.token);

    const put = await relay.http<Pin>('PUT', path(ids[0]), { as: ana.token });
    expect(put).toMatchObject({
      status: 200,
      body: { conversationId, messageId: ids[0], pinnedBy: ana.id, expiresAt: null, message: { id: ids[0], text: 'note 0' } },
    });
    const live = await bobSocket.waitFor(isPin);
    expect(live).toEqual({
      type: 'pin.updated',
      conversationId,
      messageId: ids[0],
      userId: ana.id,
      pin: put.body,
      eventSeq: expect.any(Number),
    });

    const cidSocket = await relay.connect(cid.token);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const added = await cidSocket.request({ type: 'pin.add', conversationId, messageId: ids[1], until });
    expect(added, JSON.stringify(added)).toMatchObject({ type: 'ack', result: { messageId: ids[1], pinnedBy: cid.id, expiresAt: until } });
    await bobSocket.waitFor((f) => isPin(f) && f.messageId === ids[1]);
    // Any member reads the list: newest first, with who pinned and when.
    expect((await list(bob.token)).map((p) => [p.messageId, p.pinnedBy])).toEqual([
      [ids[1], cid.id],
      [ids[0], ana.id],
    ]);

    // Repeats change nothing and publish nothing.
    const eventsBefore = bobSocket.frames.filter(isPin).length;
    expect(await relay.http('PUT', path(ids[0]), { as: ana.token, body: {} })).toMatchObject({
      status: 200,
      body: { pinnedAt: put.body.pinnedAt },
    });
    const removed = await anaSocket.request({ type: 'pin.remove', conversationId, messageId: ids[1] });
    expect(removed).toEqual({ type: 'ack', id: expect.any(String), result: {} });
    const unpinned = await bobSocket.waitFor((f) => isPin(f) && f.messageId === ids[1] && f.pin === null);
    expect(unpinned).toMatchObject({ userId: ana.id, pin: null });
    expect(await relay.http('DELETE', path(ids[1]), { as: ana.token })).toMatchObject({ status: 204 });
    expect(await relay.http('DELETE', path(ids[0]), { as: cid.token })).toMatchObject({ status: 204 });
    await bobSocket.waitFor((f) => isPin(f) && f.messageId === ids[0] && f.pin === null);
    expect(bobSocket.frames.filter(isPin).length).toBe(eventsBefore + 2);
    expect(await list(ana.token)).toEqual([]);

    // The server API key pins as no one.
    expect(await relay.http('PUT', path(ids[2]), { as: API_KEY })).toMatchObject({ status: 200, body: { pinnedBy: null } });
    expect(await bobSocket.waitFor((f) => isPin(f) && f.messageId === ids[2])).toMatchObject({ userId: null });
  });

  it('refuses members without the role, non-members, bad and unknown ids, past times and deleted messages with coded errors', async () => {
    await using relay = await startRelay(storeConfig());
    const { ana, bob, eve, conversationId, anaSocket, ids, path, list } = await setUp(relay);
    const bobSocket = await relay.connect(bob.token);

    expect(await relay.http('PUT', path(ids[0]), { as: bob.token })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const frame = await bobSocket.request({ type: 'pin.add', conversationId, messageId: ids[0] });
    expect(frame).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN' } });
    expect(await relay.http('DELETE', path(ids[0]), { as: bob.token })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // A non-member learns nothing, as everywhere else: the conversation is not found.
    for (const method of ['PUT', 'DELETE', 'GET'])
      expect(
        await relay.http(method, method === 'GET' ? `/v1/conversations/${conversationId}/pins` : path(ids[0]), { as: eve.token }),
      ).toMatchObject({
        status: 404,
        body: { code: 'CONVERSATION_NOT_FOUND' },
      });
    expect(await relay.http('PUT', path(randomUUID()), { as: ana.token })).toMatchObject({
      status: 404,
      body: { code: 'MESSAGE_NOT_FOUND' },
    });
    expect(await relay.http('DELETE', path(randomUUID()), { as: ana.token })).toMatchObject({
      status: 404,
      body: { code: 'MESSAGE_NOT_FOUND' },
    });
    expect(await relay.http('PUT', path('not a message id'), { as: ana.token })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await relay.http('PUT', path(ids[0]), { as: ana.token, body: { until: 'tomorrow' } })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(
      await relay.http('PUT', path(ids[0]), { as: ana.token, body: { until: new Date(Date.now() - 1000).toISOString() } }),
    ).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await relay.http('PUT', path(ids[0]), { as: ana.token, body: { until: null, extra: 'x'.repeat(10_000) } })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await anaSocket.request({ type: 'pin.add', conversationId, messageId: ids[0], until: 42 })).toMatchObject({
      type: 'error',
      error: { code: 'BAD_REQUEST' },
    });

    // A deleted message's pin goes away, and it cannot be pinned again.
    await relay.http('PUT', path(ids[0]), { as: ana.token });
    await anaSocket.request({ type: 'message.delete', conversationId, messageId: ids[0] });
    expect(await list(bob.token)).toEqual([]);
    expect(await relay.http('PUT', path(ids[0]), { as: ana.token })).toMatchObject({ status: 409, body: { code: 'MESSAGE_DELETED' } });
    // Both sockets still work.
    for (const socket of [anaSocket, bobSocket]) expect(await socket.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
  });

  it('lets both members of a private conversation pin', async () => {
    await using relay = await startRelay(storeConfig());
    const [ana, bob] = [await relay.user(), await relay.user()];
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const conversationId = created.body.id;
    const socket = await relay.connect(ana.token);
    const [first, second] = [randomUUID(), randomUUID()];
    await sendText(socket, conversationId, 'one', first);
    await sendText(socket, conversationId, 'two', second);
    for (const [token, id] of [
      [ana.token, first],
      [bob.token, second],
    ] as const)
      expect(await relay.http('PUT', `/v1/conversations/${conversationId}/pins/${id}`, { as: token })).toMatchObject({ status: 200 });
  });

  it('lists a pin until it lapses, holds the limit per conversation, and limits the rate of pins', async () => {
    await using relay = await startRelay({ ...storeConfig(), limits: { pinsPerConversation: 2, pinsPerMinute: 6 } });
    const { ana, ids, path, list } = await setUp(relay);
    await relay.http('PUT', path(ids[0]), { as: ana.token, body: { until: new Date(Date.now() + 1500).toISOString() } });
    await relay.http('PUT', path(ids[1]), { as: ana.token });
    expect(await relay.http('PUT', path(ids[2]), { as: ana.token })).toMatchObject({ status: 409, body: { code: 'TOO_MANY_PINS' } });
    expect((await list(ana.token)).map((p) => p.messageId)).toEqual([ids[1], ids[0]]);
    // The relay keeps no timer: the lapsed pin stops being listed, and counted, once its time passes.
    await vi.waitFor(async () => expect((await list(ana.token)).map((p) => p.messageId)).toEqual([ids[1]]), {
      timeout: 5000,
      interval: 250,
    });
    expect(await relay.http('PUT', path(ids[2]), { as: ana.token })).toMatchObject({ status: 200 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await relay.http('DELETE', path(ids[2]), { as: ana.token })).status);
    expect(statuses).toContain(429);
    expect(await relay.http('DELETE', path(ids[2]), { as: ana.token })).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });

  it('replays each changed pin once, as it now is, to a member who resumes', async () => {
    await using relay = await startRelay(storeConfig());
    const { ana, bob, conversationId, ids, path } = await setUp(relay);
    await relay.http('PUT', path(ids[0]), { as: ana.token });
    const before = (await relay.http<Conversation>('GET', `/v1/conversations/${conversationId}`, { as: bob.token })).body;
    // While bob is away: one pin changes twice, one comes and goes, one is made, and the first pinned message is deleted.
    await relay.http('PUT', path(ids[1]), { as: ana.token });
    await relay.http('PUT', path(ids[1]), { as: ana.token, body: { until: new Date(Date.now() + 3_600_000).toISOString() } });
    await relay.http('PUT', path(ids[2]), { as: ana.token });
    await relay.http('DELETE', path(ids[2]), { as: ana.token });
    await relay.http('PUT', path(ids[2]), { as: ana.token });
    await relay.http('DELETE', `/v1/conversations/${conversationId}/messages/${ids[0]}`, { as: ana.token });
    const after = (await relay.http<Conversation>('GET', `/v1/conversations/${conversationId}`, { as: bob.token })).body;

    const socket: TestSocket = await relay.connect(bob.token);
    const reply = await socket.request({ type: 'resume', cursors: { [conversationId]: [before.lastSeq, before.lastEventSeq] } });
    expect(reply).toMatchObject({ type: 'ack' });
    const pins = socket.frames.filter(isPin);
    expect(pins.map((f) => [f.messageId, f.pin?.expiresAt ?? null, f.pin === null])).toEqual([
      [ids[1], expect.any(String), false],
      [ids[2], null, false],
    ]);
    expect(pins.every((f) => f.userId === ana.id && f.eventSeq > before.lastEventSeq && f.eventSeq <= after.lastEventSeq)).toBe(true);
    expect(socket.frames.some((f) => f.type === 'message.deleted' && f.message.id === ids[0])).toBe(true);

    // From a cursor before the first pin, the deleted message's pin is replayed as gone.
    const again = await relay.connect(bob.token);
    await again.request({ type: 'resume', cursors: { [conversationId]: [before.lastSeq, before.lastEventSeq - 1] } });
    expect(again.frames.filter(isPin).find((f) => f.messageId === ids[0])).toMatchObject({ pin: null });
  });
});
