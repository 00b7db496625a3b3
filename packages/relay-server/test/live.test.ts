import type { ConversationDetail, Presence } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, sendText, startRelay, type TestSocket, UNLIMITED } from './fixtures.js';
import { Replica } from './replica.js';

describe('live delivery', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('sends typing to the other members only, and ends it when the typist stops or leaves', async () => {
    relay = await startRelay({ realtime: { typingExpiryMs: 60_000 } });
    const ana = await relay.user();
    const bob = await relay.user();
    const eve = await relay.user();
    const conv = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    const anaSocket = await relay.connect(ana.token);
    const anaOther = await relay.connect(ana.token);
    const bobSocket = await relay.connect(bob.token);
    const eveSocket = await relay.connect(eve.token);

    expect(await anaSocket.request({ type: 'typing', conversationId: conv, active: true })).toMatchObject({ type: 'ack' });
    await bobSocket.waitFor((f) => f.type === 'typing' && f.userId === ana.id && f.active);
    expect(await anaSocket.request({ type: 'typing', conversationId: conv, active: false })).toMatchObject({ type: 'ack' });
    await bobSocket.waitFor((f) => f.type === 'typing' && f.userId === ana.id && !f.active);

    await anaSocket.request({ type: 'typing', conversationId: conv, active: true });
    anaSocket.close();
    anaOther.close();
    await bobSocket.waitFor((f) => f.type === 'typing' && !f.active && bobSocket.frames.filter((x) => x.type === 'typing').length === 4);

    const refused = await eveSocket.request({ type: 'typing', conversationId: conv, active: true });
    expect(refused).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
    await eveSocket.request({ type: 'ping' });
    expect(eveSocket.frames.some((f) => f.type === 'typing')).toBe(false);
    expect(anaOther.frames.some((f) => f.type === 'typing')).toBe(false);
  });

  it('sends presence to the sockets that watch a user who shares a conversation with them, and to no other', async () => {
    relay = await startRelay({ realtime: { offlineGraceMs: 0 } });
    const ana = await relay.user();
    const bob = await relay.user();
    const eve = await relay.user();
    const cid = await relay.user();
    await relay.http('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } });
    await relay.http('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: cid.id } });
    const bobSocket = await relay.connect(bob.token);
    const eveSocket = await relay.connect(eve.token);
    const cidSocket = await relay.connect(cid.token);
    // Eve shares nothing with Ana: she is left out of the ack and never watched.
    const watched = await bobSocket.request({ type: 'presence.subscribe', userIds: [ana.id, eve.id, ana.id] });
    expect(watched).toMatchObject({ type: 'ack', result: { presence: [{ userId: ana.id, status: 'offline', lastSeenAt: null }] } });
    expect(await eveSocket.request({ type: 'presence.subscribe', userIds: [ana.id] })).toMatchObject({ result: { presence: [] } });
    // Too many ids at once, or not ids at all: refused with a code, and the socket lives on.
    const tooMany = Array.from({ length: 501 }, (_, i) => `u${i}`);
    expect(await eveSocket.request({ type: 'presence.subscribe', userIds: tooMany })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect(await eveSocket.request({ type: 'presence.subscribe', userIds: ['../x'] })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const anaSocket = await relay.connect(ana.token);
    await bobSocket.waitFor((f) => f.type === 'presence' && f.userId === ana.id && f.status === 'online');
    const seen = await relay.http<{ presence: Presence[] }>('GET', `/v1/presence?userIds=${ana.id},${eve.id}`, { as: bob.token });
    expect(seen.body.presence).toEqual([{ userId: ana.id, status: 'online', lastSeenAt: expect.any(String) }]);
    expect(await bobSocket.request({ type: 'presence.unsubscribe', userIds: [ana.id] })).toMatchObject({ type: 'ack', result: {} });
    anaSocket.close();
    // Cid shares a conversation with Ana but did not subscribe: the change costs nothing on his socket.
    expect(await cidSocket.request({ type: 'presence.subscribe', userIds: [ana.id] })).toMatchObject({
      result: { presence: [{ userId: ana.id }] },
    });
    await cidSocket.waitFor((f) => f.type === 'presence' && f.userId === ana.id && f.status === 'offline');
    await Promise.all([bobSocket.request({ type: 'ping' }), eveSocket.request({ type: 'ping' })]);
    expect(bobSocket.frames.filter((f) => f.type === 'presence').map((f) => f.type === 'presence' && f.status)).toEqual(['online']);
    expect(eveSocket.frames.some((f) => f.type === 'presence')).toBe(false);
  });

  it('stops a watch when the two no longer share a conversation, and keeps one they still share', async () => {
    relay = await startRelay({ realtime: { offlineGraceMs: 0 } });
    const [ana, bob, dan] = [await relay.user(), await relay.user(), await relay.user()];
    const group = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: ana.token,
        body: { type: 'group', memberIds: [bob.id, dan.id] },
      })
    ).body.id;
    // Ana and Dan also share a private conversation; Bob and Dan only the group.
    await relay.http('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: dan.id } });
    const [anaSocket, bobSocket, danSocket] = [
      await relay.connect(ana.token),
      await relay.connect(bob.token),
      await relay.connect(dan.token),
    ];
    await anaSocket.request({ type: 'presence.subscribe', userIds: [dan.id] });
    await bobSocket.request({ type: 'presence.subscribe', userIds: [dan.id] });
    expect(await danSocket.request({ type: 'presence.subscribe', userIds: [ana.id, bob.id] })).toMatchObject({
      result: {
        presence: [
          { userId: ana.id, status: 'online' },
          { userId: bob.id, status: 'online' },
        ],
      },
    });
    await relay.http('DELETE', `/v1/conversations/${group}/members/${dan.id}`, { as: ana.token });
    await bobSocket.waitFor((f) => f.type === 'member.removed' && f.userId === dan.id);
    // Dan still sees Ana (watched again, with her presence now), no longer Bob.
    await danSocket.waitFor((f) => f.type === 'presence' && f.userId === ana.id && f.status === 'online');
    anaSocket.close();
    await danSocket.waitFor((f) => f.type === 'presence' && f.userId === ana.id && f.status === 'offline');
    const anaAgain = await relay.connect(ana.token);
    await anaAgain.request({ type: 'presence.subscribe', userIds: [bob.id, dan.id] });
    bobSocket.close();
    await anaAgain.waitFor((f) => f.type === 'presence' && f.userId === bob.id && f.status === 'offline');
    await danSocket.request({ type: 'ping' });
    expect(danSocket.frames.some((f) => f.type === 'presence' && f.userId === bob.id)).toBe(false);
    const bobAgain = await relay.connect(bob.token);
    expect(await bobAgain.request({ type: 'presence.subscribe', userIds: [dan.id] })).toMatchObject({ result: { presence: [] } });
    danSocket.close();
    await anaAgain.waitFor((f) => f.type === 'presence' && f.userId === dan.id && f.status === 'offline');
    await bobAgain.request({ type: 'ping' });
    expect(bobSocket.frames.some((f) => f.type === 'presence' && f.userId === dan.id)).toBe(false);
    expect(bobAgain.frames.some((f) => f.type === 'presence')).toBe(false);
  });

  it('cuts off a consumer that stops reading, which then resumes without loss', async () => {
    relay = await startRelay({
      limits: { ...UNLIMITED, sendBufferBytes: 256 * 1024, textMaxLength: 20_000 },
      realtime: { offlineGraceMs: 0 },
    });
    const reader = await relay.user();
    const writer = await relay.user();
    const conv = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: writer.token, body: { type: 'private', userId: reader.id } })
    ).body.id;
    const writerSocket = await relay.connect(writer.token);
    await writerSocket.request({ type: 'presence.subscribe', userIds: [reader.id] });
    const replica = new Replica(relay, reader.token);
    await replica.connect();
    await writerSocket.waitFor((f) => f.type === 'presence' && f.userId === reader.id && f.status === 'online');
    const slow = replica.socket as TestSocket;
    // Stop reading from the TCP socket: the relay's send buffer for it can only grow.
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const big = 'x'.repeat(16_000);
    const cut = () => writerSocket.frames.some((f) => f.type === 'presence' && f.userId === reader.id && f.status === 'offline');
    let sent = 0;
    // The reader's only socket is cut when the writer sees it go offline.
    while (!cut()) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(writerSocket, conv, `${sent + i} ${big}`)));
      sent += 20;
      await writerSocket.request({ type: 'ping' });
    }
    raw.resume();
    expect(await slow.closed).toEqual({ code: 4508, reason: 'SLOW_CONSUMER' });
    for (let i = 0; i < 10; i++) await sendText(writerSocket, conv, `after ${i}`);
    const total = sent + 10;
    await replica.connect();
    await replica.socket?.request({ type: 'ping' });
    expect(replica.state(conv).seq).toBe(total);
    expect([...replica.state(conv).messages.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('drops a socket that stops answering heartbeats', async () => {
    relay = await startRelay({ realtime: { heartbeatIntervalMs: 100, offlineGraceMs: 0 } });
    const user = await relay.user();
    const watcher = await relay.user();
    await relay.http('POST', '/v1/conversations', { as: watcher.token, body: { type: 'private', userId: user.id } });
    const watcherSocket = await relay.connect(watcher.token);
    await watcherSocket.request({ type: 'presence.subscribe', userIds: [user.id] });
    const socket = await relay.connect(user.token);
    await watcherSocket.waitFor((f) => f.type === 'presence' && f.userId === user.id && f.status === 'online');
    // A paused socket reads no pings, so answers none: the relay must drop it, and the user goes offline.
    (socket.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await watcherSocket.waitFor((f) => f.type === 'presence' && f.userId === user.id && f.status === 'offline');
    const fresh = await relay.connect(user.token);
    expect((await fresh.request({ type: 'ping' })).type).toBe('ack');
  });
});
