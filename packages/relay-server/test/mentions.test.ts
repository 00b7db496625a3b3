import { randomUUID } from 'node:crypto';
import type { Conversation, ConversationDetail, ConversationPage, Message, MessagePage } from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, type TestSocket } from './fixtures.js';
import { Replica } from './replica.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `mentions_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
    },
  ],
])('mentions (%s)', (_store, config) => {
  const setUp = async (relay: RunningRelay) => {
    const [ana, bob, cid, eve] = [await relay.user(), await relay.user(), await relay.user(), await relay.user()];
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: [bob.id, cid.id] },
    });
    return { ana, bob, cid, eve, conversationId: created.body.id };
  };
  const send = (socket: TestSocket, conversationId: string, message: Record<string, unknown>) =>
    socket.request({ type: 'message.send', conversationId, message: { id: randomUUID(), text: 'hi', ...message } });
  const code = (frame: { type: string; error?: { code: string } }) => (frame.type === 'error' ? frame.error?.code : frame.type);
  const unreadMentions = async (relay: RunningRelay, token: string, conversationId: string) =>
    (await relay.http<ConversationPage>('GET', '/v1/conversations', { as: token })).body.conversations.find((c) => c.id === conversationId)
      ?.unreadMentionCount;

  it('stores mentions with the message, live, in history; refuses non-members and unknown ids; keeps the socket', async () => {
    await using relay = await startRelay(config());
    const { ana, bob, cid, eve, conversationId } = await setUp(relay);
    const [anaSocket, bobSocket] = [await relay.connect(ana.token), await relay.connect(bob.token)];

    const id = randomUUID();
    const sent = await send(anaSocket, conversationId, { id, text: `@${bob.id} and @${cid.id}`, mentions: [bob.id, cid.id, bob.id] });
    expect(sent.type).toBe('ack');
    const live = await bobSocket.waitFor((f) => f.type === 'message.created' && f.message.id === id);
    expect(live).toMatchObject({ message: { mentions: [bob.id, cid.id], mentionsAll: false } });
    const history = await relay.http<MessagePage>('GET', `/v1/conversations/${conversationId}/messages`, { as: cid.token });
    expect(history.body.messages.map((m) => [m.mentions, m.mentionsAll])).toEqual([[[bob.id, cid.id], false]]);

    expect(code(await send(anaSocket, conversationId, { mentions: [eve.id] }))).toBe('MENTION_NOT_MEMBER');
    expect(code(await send(anaSocket, conversationId, { mentions: ['no-such-user'] }))).toBe('MENTION_NOT_MEMBER');
    expect(code(await send(anaSocket, conversationId, { mentions: ['bad id!'] }))).toBe('BAD_REQUEST');
    expect(code(await send(anaSocket, conversationId, { mentions: Array.from({ length: 101 }, (_, i) => `u${i}`) }))).toBe('BAD_REQUEST');
    expect(code(await send(anaSocket, conversationId, { mentionsAll: 'yes' }))).toBe('BAD_REQUEST');
    const rest = await relay.http<{ code: string }>('POST', `/v1/conversations/${conversationId}/messages`, {
      as: bob.token,
      body: { id: randomUUID(), text: 'x', mentions: [eve.id] },
    });
    expect([rest.status, rest.body.code]).toEqual([400, 'MENTION_NOT_MEMBER']);
    // Nothing refused took a seq, and the socket still works.
    expect((await anaSocket.request({ type: 'ping' })).type).toBe('ack');
    const detail = await relay.http<ConversationDetail>('GET', `/v1/conversations/${conversationId}`, { as: ana.token });
    expect(detail.body.lastSeq).toBe(1);
  });

  it('lets members mention everyone only as the conversation’s groupMentions says', async () => {
    await using relay = await startRelay(config());
    const { ana, bob, conversationId } = await setUp(relay);
    const [anaSocket, bobSocket] = [await relay.connect(ana.token), await relay.connect(bob.token)];
    const detail = await relay.http<ConversationDetail>('GET', `/v1/conversations/${conversationId}`, { as: bob.token });
    expect(detail.body.groupMentions).toBe('admins');

    expect(code(await send(bobSocket, conversationId, { mentionsAll: true }))).toBe('GROUP_MENTION_NOT_ALLOWED');
    expect(code(await send(anaSocket, conversationId, { mentionsAll: true }))).toBe('ack');
    const forbidden = await relay.http<{ code: string }>('PATCH', `/v1/conversations/${conversationId}`, {
      as: bob.token,
      body: { groupMentions: 'members' },
    });
    expect(forbidden.body.code).toBe('FORBIDDEN');
    const bad = await relay.http<{ code: string }>('PATCH', `/v1/conversations/${conversationId}`, {
      as: ana.token,
      body: { groupMentions: 'everyone' },
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'BAD_REQUEST']);
    const changed = await relay.http<Conversation>('PATCH', `/v1/conversations/${conversationId}`, {
      as: ana.token,
      body: { groupMentions: 'members' },
    });
    expect(changed.body.groupMentions).toBe('members');
    const update = await bobSocket.waitFor((f) => f.type === 'conversation.updated');
    expect(update).toMatchObject({ conversation: { groupMentions: 'members' } });
    expect(code(await send(bobSocket, conversationId, { mentionsAll: true }))).toBe('ack');
    await relay.http('PATCH', `/v1/conversations/${conversationId}`, { as: ana.token, body: { groupMentions: 'off' } });
    expect(code(await send(anaSocket, conversationId, { mentionsAll: true }))).toBe('GROUP_MENTION_NOT_ALLOWED');
    // The server API key is not held to the setting.
    const server = await relay.http<{ seq: number }>('POST', `/v1/conversations/${conversationId}/messages`, {
      as: API_KEY,
      body: { id: randomUUID(), text: 'maintenance tonight', mentionsAll: true },
    });
    expect(server.status).toBe(201);
  });

  it('counts each member’s unread mentions, moving with their read horizon', async () => {
    await using relay = await startRelay(config());
    const { ana, bob, cid, conversationId } = await setUp(relay);
    const [anaSocket, bobSocket] = [await relay.connect(ana.token), await relay.connect(bob.token)];
    await send(anaSocket, conversationId, { mentions: [bob.id] });
    await send(anaSocket, conversationId, { text: 'no mention' });
    await send(anaSocket, conversationId, { mentions: [bob.id, cid.id], mentionsAll: true });
    await send(bobSocket, conversationId, { mentions: [ana.id, bob.id] });
    expect(await unreadMentions(relay, bob.token, conversationId)).toBe(2);
    expect(await unreadMentions(relay, cid.token, conversationId)).toBe(1);
    expect(await unreadMentions(relay, ana.token, conversationId)).toBe(1);
    await bobSocket.request({ type: 'receipt', conversationId, kind: 'read', seq: 1 });
    expect(await unreadMentions(relay, bob.token, conversationId)).toBe(1);
    await bobSocket.request({ type: 'receipt', conversationId, kind: 'read', seq: 4 });
    expect(await unreadMentions(relay, bob.token, conversationId)).toBe(0);
  });

  it('changes mentions by edit as documented, live and through resume', async () => {
    await using relay = await startRelay(config());
    const { ana, bob, cid, eve, conversationId } = await setUp(relay);
    const replica = new Replica(relay, cid.token);
    await replica.connect();
    const anaSocket = await relay.connect(ana.token);
    const id = randomUUID();
    await send(anaSocket, conversationId, { id, text: `@${bob.id}`, mentions: [bob.id] });
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.id === id);
    replica.disconnect();

    const path = `/v1/conversations/${conversationId}/messages/${id}`;
    const textOnly = await relay.http<Message>('PATCH', path, { as: ana.token, body: { text: `hey @${bob.id}` } });
    expect(textOnly.body).toMatchObject({ text: `hey @${bob.id}`, mentions: [bob.id], mentionsAll: false });
    const refused = await anaSocket.request({ type: 'message.edit', conversationId, messageId: id, text: 'x', mentions: [eve.id] });
    expect(code(refused)).toBe('MENTION_NOT_MEMBER');
    const edited = await anaSocket.request({
      type: 'message.edit',
      conversationId,
      messageId: id,
      text: `@${cid.id}`,
      mentions: [cid.id],
    });
    expect(edited).toMatchObject({ type: 'ack', result: { mentions: [cid.id], mentionsAll: false } });
    expect(await unreadMentions(relay, cid.token, conversationId)).toBe(1);
    expect(await unreadMentions(relay, bob.token, conversationId)).toBe(0);

    await replica.connect();
    expect(replica.state(conversationId).messages.get(1)).toMatchObject({ text: `@${cid.id}`, mentions: [cid.id] });
    // Deleting takes the mention away.
    await relay.http('DELETE', path, { as: ana.token });
    expect(await unreadMentions(relay, cid.token, conversationId)).toBe(0);
  });
});
