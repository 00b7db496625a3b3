import { randomUUID } from 'node:crypto';
import type { ConversationDetail, Message, MessagePage } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, sendText, startRelay, type TestSocket } from './fixtures.js';
import { Replica } from './replica.js';

describe('reactions', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  const group = async (owner: { token: string }, memberIds: string[]) =>
    (await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: owner.token, body: { type: 'group', memberIds } })).body.id;
  const react = (socket: TestSocket, conversationId: string, messageId: string, key: string, type = 'reaction.add') =>
    socket.request({ type, conversationId, messageId, key });

  it('adds, changes and removes reactions, live to every member, in history and through the server API', async () => {
    relay = await startRelay();
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const conversationId = await group(ana, [bob.id, cid.id]);
    const [anaSocket, bobSocket, cidSocket] = [
      await relay.connect(ana.token),
      await relay.connect(bob.token),
      await relay.connect(cid.token),
    ];
    const messageId = randomUUID();
    await sendText(anaSocket, conversationId, 'lunch?', messageId);

    const added = await react(bobSocket, conversationId, messageId, '👍');
    expect(added).toMatchObject({ type: 'ack', result: { id: messageId, reactions: [{ key: '👍', count: 1, userIds: [bob.id] }] } });
    const seen = await cidSocket.waitFor((f) => f.type === 'reaction.updated');
    expect(seen).toEqual({
      type: 'reaction.updated',
      conversationId,
      messageId,
      userId: bob.id,
      reactions: [{ key: '👍', count: 1, userIds: [bob.id] }],
      eventSeq: expect.any(Number),
    });
    await react(cidSocket, conversationId, messageId, '👍');
    // One reaction per user by default: bob reacting again changes his.
    const changed = await react(bobSocket, conversationId, messageId, '🎉');
    expect(changed).toMatchObject({
      result: {
        reactions: [
          { key: '👍', count: 1, userIds: [cid.id] },
          { key: '🎉', count: 1, userIds: [bob.id] },
        ],
      },
    });
    // Repeating a change changes nothing, and records nothing.
    const before = (await relay.http<ConversationDetail>('GET', `/v1/conversations/${conversationId}`, { as: ana.token })).body;
    await react(bobSocket, conversationId, messageId, '🎉');
    await react(bobSocket, conversationId, messageId, '❤️', 'reaction.remove');
    const after = (await relay.http<ConversationDetail>('GET', `/v1/conversations/${conversationId}`, { as: ana.token })).body;
    expect(after.lastEventSeq).toBe(before.lastEventSeq);

    // The server API key reacts as a member it names.
    const path = `/v1/conversations/${conversationId}/messages/${messageId}/reactions/${encodeURIComponent('🎉')}`;
    const put = await relay.http<Message>('PUT', `${path}?userId=${ana.id}`, { as: API_KEY });
    expect(put.status).toBe(200);
    expect(put.body.reactions).toEqual([
      { key: '👍', count: 1, userIds: [cid.id] },
      { key: '🎉', count: 2, userIds: [bob.id, ana.id] },
    ]);
    expect((await relay.http('PUT', path, { as: API_KEY })).body).toMatchObject({ code: 'BAD_REQUEST' });
    const outsider = await relay.user();
    expect(await relay.http('PUT', `${path}?userId=${outsider.id}`, { as: API_KEY })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    // An app user takes theirs back over REST too.
    const removed = await relay.http<Message>('DELETE', path, { as: bob.token });
    expect(removed.body.reactions).toEqual([
      { key: '👍', count: 1, userIds: [cid.id] },
      { key: '🎉', count: 1, userIds: [ana.id] },
    ]);
    const history = await relay.http<MessagePage>('GET', `/v1/conversations/${conversationId}/messages`, { as: cid.token });
    expect(history.body.messages[0]?.reactions).toEqual(removed.body.reactions);
  });

  it('refuses what is not a member’s reaction to a live message, each with its code', async () => {
    relay = await startRelay({ limits: { reactionsPerMinute: 8 } });
    const [ana, bob, eve] = [await relay.user(), await relay.user(), await relay.user()];
    const conversationId = await group(ana, [bob.id]);
    const anaSocket = await relay.connect(ana.token);
    const messageId = randomUUID();
    await sendText(anaSocket, conversationId, 'hi', messageId);
    const code = (reply: Awaited<ReturnType<TestSocket['request']>>) => (reply.type === 'error' ? reply.error.code : 'ack');

    const eveSocket = await relay.connect(eve.token);
    expect(code(await react(eveSocket, conversationId, messageId, '👍'))).toBe('CONVERSATION_NOT_FOUND');
    expect(code(await react(anaSocket, conversationId, randomUUID(), '👍'))).toBe('MESSAGE_NOT_FOUND');
    expect(code(await react(anaSocket, conversationId, messageId, 'two words'))).toBe('BAD_REQUEST');
    expect(code(await react(anaSocket, conversationId, messageId, 'x'.repeat(65)))).toBe('BAD_REQUEST');
    expect(code(await react(anaSocket, conversationId, messageId, ''))).toBe('BAD_REQUEST');
    // A deleted message loses its reactions and takes no more.
    await react(anaSocket, conversationId, messageId, '👍');
    const deleted = await anaSocket.request({ type: 'message.delete', conversationId, messageId });
    expect(deleted).toMatchObject({ type: 'ack', result: { reactions: [] } });
    expect(code(await react(anaSocket, conversationId, messageId, '🎉'))).toBe('MESSAGE_DELETED');
    // Every reaction is a write: the per-minute limit holds, and the socket stays usable after it.
    const other = randomUUID();
    await sendText(anaSocket, conversationId, 'again', other);
    const codes: string[] = [];
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) codes.push(code(await react(anaSocket, conversationId, other, key)));
    expect(codes.at(-1)).toBe('RATE_LIMITED');
    expect((await anaSocket.request({ type: 'ping' })).type).toBe('ack');
  });

  it('replays the current reactions of each changed message once on resume', async () => {
    relay = await startRelay();
    const [me, friend] = [await relay.user(), await relay.user()];
    const conversationId = await group(friend, [me.id]);
    const replica = new Replica(relay, me.token);
    await replica.connect();
    const friendSocket = await relay.connect(friend.token);
    const [first, second] = [randomUUID(), randomUUID()];
    await sendText(friendSocket, conversationId, 'one', first);
    await sendText(friendSocket, conversationId, 'two', second);
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === 2);
    replica.disconnect();

    for (const key of ['👍', '🎉', '❤️']) await react(friendSocket, conversationId, first, key);
    await react(friendSocket, conversationId, second, '👍');
    await react(friendSocket, conversationId, second, '👍', 'reaction.remove');
    const third = randomUUID();
    await sendText(friendSocket, conversationId, 'three', third);
    await react(friendSocket, conversationId, third, '🔥');

    const socketFrames = () => replica.socket?.frames ?? [];
    const result = await replica.connect();
    const replayed = socketFrames().filter((f) => f.type === 'reaction.updated');
    // One frame per message with older changes; the new message comes whole, with its reactions.
    expect(replayed.map((f) => (f.type === 'reaction.updated' ? [f.messageId, f.reactions] : null))).toEqual([
      [first, [{ key: '❤️', count: 1, userIds: [friend.id] }]],
      [second, []],
    ]);
    expect(result).toMatchObject({ messages: 1, events: 2 });
    const state = replica.state(conversationId);
    expect(state.messages.get(1)?.reactions).toEqual([{ key: '❤️', count: 1, userIds: [friend.id] }]);
    expect(state.messages.get(3)?.reactions).toEqual([{ key: '🔥', count: 1, userIds: [friend.id] }]);
  });
});
