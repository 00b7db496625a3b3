import { randomUUID } from 'node:crypto';
import type { ConversationDetail, ConversationPage, Message } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, sendText, startRelay } from './fixtures.js';

describe('membership', () => {
  let relay: RunningRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('hides a conversation from non-members exactly as if it did not exist', async () => {
    const ana = await relay.user();
    const bob = await relay.user();
    const eve = await relay.user();
    const conv = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const id = conv.body.id;
    const sent = await relay.http<{ messageId: string }>('POST', `/v1/conversations/${id}/messages`, {
      as: ana.token,
      body: { id: randomUUID(), text: 'secret' },
    });
    const missing = randomUUID();
    const probe = async (conversationId: string) => {
      const base = `/v1/conversations/${conversationId}`;
      return [
        await relay.http('GET', base, { as: eve.token }),
        await relay.http('GET', `${base}/members`, { as: eve.token }),
        await relay.http('GET', `${base}/messages`, { as: eve.token }),
        await relay.http('POST', `${base}/messages`, { as: eve.token, body: { id: randomUUID(), text: 'hi' } }),
        await relay.http('PATCH', `${base}/messages/${sent.body.messageId}`, { as: eve.token, body: { text: 'x' } }),
        await relay.http('DELETE', `${base}/messages/${sent.body.messageId}`, { as: eve.token }),
        await relay.http('POST', `${base}/members`, { as: eve.token, body: { userIds: [eve.id] } }),
      ].map((r) => ({ status: r.status, code: (r.body as { code: string }).code }));
    };
    const forExisting = await probe(id);
    const forMissing = await probe(missing);
    for (const answer of forExisting) expect(answer).toEqual({ status: 404, code: 'CONVERSATION_NOT_FOUND' });
    expect(forExisting).toEqual(forMissing);

    const socket = await relay.connect(eve.token);
    const viaWs = await sendText(socket, id, 'let me in');
    const viaWsMissing = await sendText(socket, missing, 'let me in');
    expect(viaWs).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
    expect(viaWsMissing.type === 'error' && viaWsMissing.error.code).toBe('CONVERSATION_NOT_FOUND');
    const edit = await socket.request({ type: 'message.edit', conversationId: id, messageId: sent.body.messageId, text: 'x' });
    expect(edit).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });

    const list = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: eve.token });
    expect(list.body.conversations).toEqual([]);
  });

  it('removes access at once when a member is removed from a group, and tells the members', async () => {
    const owner = await relay.user();
    const admin = await relay.user();
    const member = await relay.user();
    const group = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: owner.token,
      body: { type: 'group', title: 'Team', memberIds: [admin.id, member.id] },
    });
    const id = group.body.id;
    expect(group.status).toBe(201);
    expect(group.body.members[0]).toMatchObject({ userId: owner.id, role: 'owner' });
    expect(group.body.members.slice(1).map((m) => [m.userId, m.role])).toEqual(
      expect.arrayContaining([
        [admin.id, 'member'],
        [member.id, 'member'],
      ]),
    );
    // Only admins manage members.
    const notAdmin = await relay.http('POST', `/v1/conversations/${id}/members`, { as: member.token, body: { userIds: [owner.id] } });
    expect(notAdmin).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(
      (await relay.http('PATCH', `/v1/conversations/${id}/members/${admin.id}`, { as: owner.token, body: { role: 'admin' } })).status,
    ).toBe(200);

    const memberSocket = await relay.connect(member.token);
    const ownerSocket = await relay.connect(owner.token);
    const before = await sendText(memberSocket, id, 'still here');
    expect(before.type).toBe('ack');

    const removed = await relay.http('DELETE', `/v1/conversations/${id}/members/${member.id}`, { as: admin.token });
    expect(removed.status).toBe(204);
    await ownerSocket.waitFor((f) => f.type === 'member.removed' && f.userId === member.id);
    await memberSocket.waitFor((f) => f.type === 'member.removed' && f.userId === member.id);

    const after = await sendText(memberSocket, id, 'am I out?');
    expect(after).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
    expect((await relay.http('GET', `/v1/conversations/${id}/messages`, { as: member.token })).status).toBe(404);

    // The removed member no longer receives the group's messages.
    await sendText(ownerSocket, id, 'after removal');
    const ping = await memberSocket.request({ type: 'ping' });
    expect(ping.type).toBe('ack');
    expect(memberSocket.frames.some((f) => f.type === 'message.created' && f.message.text === 'after removal')).toBe(false);

    // The admin cannot remove the owner; members can leave; the owner leaving hands the group over.
    expect((await relay.http('DELETE', `/v1/conversations/${id}/members/${owner.id}`, { as: admin.token })).status).toBe(403);
    expect((await relay.http('DELETE', `/v1/conversations/${id}/members/${owner.id}`, { as: owner.token })).status).toBe(204);
    const members = await relay.http<{ members: Array<{ userId: string; role: string }> }>('GET', `/v1/conversations/${id}/members`, {
      as: admin.token,
    });
    expect(members.body.members).toEqual([expect.objectContaining({ userId: admin.id, role: 'owner' })]);
  });

  it('creates one private conversation per pair, lists by activity with unread counts, and pages', async () => {
    const ana = await relay.user();
    const bob = await relay.user();
    const first = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const again = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: bob.token,
      body: { type: 'private', userId: ana.id },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);

    const groups: string[] = [];
    for (let i = 0; i < 3; i++) {
      const g = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: ana.token,
        body: { type: 'group', title: `g${i}`, memberIds: [bob.id] },
      });
      groups.push(g.body.id);
    }
    await relay.http('POST', `/v1/conversations/${first.body.id}/messages`, { as: ana.token, body: { id: randomUUID(), text: 'one' } });
    await relay.http('POST', `/v1/conversations/${first.body.id}/messages`, { as: ana.token, body: { id: randomUUID(), text: 'two' } });
    await relay.http('POST', `/v1/conversations/${first.body.id}/messages`, { as: bob.token, body: { id: randomUUID(), text: 'mine' } });

    const page1 = await relay.http<ConversationPage>('GET', '/v1/conversations?limit=2', { as: bob.token });
    expect(page1.body.conversations[0]).toMatchObject({ id: first.body.id, unreadCount: 2, lastMessage: { text: 'mine' } });
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await relay.http<ConversationPage>('GET', `/v1/conversations?limit=2&cursor=${page1.body.nextCursor}`, { as: bob.token });
    const page3 = await relay.http<ConversationPage>('GET', `/v1/conversations?limit=2&cursor=${page2.body.nextCursor}`, { as: bob.token });
    const ids = [...page1.body.conversations, ...page2.body.conversations, ...page3.body.conversations].map((c) => c.id);
    expect(new Set(ids)).toEqual(new Set([first.body.id, ...groups]));
    expect(ids).toHaveLength(4);
    expect(page3.body.nextCursor).toBeNull();

    const traced = await fetch(`${relay.url}/v1/conversations`, {
      headers: { authorization: `Bearer ${bob.token}`, 'x-request-id': 'trace-123' },
    });
    expect(traced.headers.get('x-request-id')).toBe('trace-123');
    const badCursor = await relay.http('GET', '/v1/conversations?cursor=bm9wZQ', { as: bob.token });
    expect(badCursor).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });

  it('lets the server API key upsert users, create conversations for them and post bot and system messages', async () => {
    const bot = await relay.user('helpdesk-bot');
    const customer = await relay.user();
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', title: 'Support', createdBy: bot.id, memberIds: [customer.id] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const customerSocket = await relay.connect(customer.token);
    const botMessage = await relay.http('POST', `/v1/conversations/${id}/messages`, {
      as: API_KEY,
      body: { id: randomUUID(), text: 'How can I help?', senderId: bot.id },
    });
    expect(botMessage.status).toBe(201);
    const system = await relay.http('POST', `/v1/conversations/${id}/messages`, {
      as: API_KEY,
      body: { id: randomUUID(), text: 'Ticket #42 opened' },
    });
    expect(system.status).toBe(201);
    const event = await customerSocket.waitFor((f) => f.type === 'message.created' && f.message.kind === 'system');
    expect(event).toMatchObject({ message: { senderId: null, text: 'Ticket #42 opened', seq: 2 } });

    // A user cannot post as someone else.
    const spoof = await relay.http('POST', `/v1/conversations/${id}/messages`, {
      as: customer.token,
      body: { id: randomUUID(), text: 'I am the bot', senderId: bot.id },
    });
    expect(spoof).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // createdBy is required with the API key, and names a real user.
    expect((await relay.http('POST', '/v1/conversations', { as: API_KEY, body: { type: 'group' } })).status).toBe(400);
    const ghost = await relay.http('POST', '/v1/conversations', { as: API_KEY, body: { type: 'group', createdBy: 'ghost' } });
    expect(ghost).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
  });
});

describe('messages', () => {
  let relay: RunningRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('edits (author only, keeps editedAt), tombstones on delete, replies within the conversation, and pushes each change live', async () => {
    const ana = await relay.user();
    const bob = await relay.user();
    const conv = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const id = conv.body.id;
    const anaSocket = await relay.connect(ana.token);
    const bobSocket = await relay.connect(bob.token);
    const anaPhone = await relay.connect(ana.token);

    const original = randomUUID();
    const sent = await anaSocket.request({
      type: 'message.send',
      conversationId: id,
      message: { id: original, text: 'helo', metadata: { lang: 'en' } },
    });
    expect(sent).toMatchObject({ type: 'ack', result: { messageId: original, seq: 1 } });
    await bobSocket.waitFor((f) => f.type === 'message.created' && f.message.id === original);
    // The sender's other device sees its own message too.
    await anaPhone.waitFor((f) => f.type === 'message.created' && f.message.id === original);

    const notAuthor = await bobSocket.request({ type: 'message.edit', conversationId: id, messageId: original, text: 'hijack' });
    expect(notAuthor).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN' } });
    const edited = await anaSocket.request({ type: 'message.edit', conversationId: id, messageId: original, text: 'hello' });
    expect(edited).toMatchObject({ type: 'ack', result: { text: 'hello', seq: 1, editedAt: expect.any(String) } });
    await bobSocket.waitFor((f) => f.type === 'message.updated' && f.message.text === 'hello');

    const reply = await sendText(bobSocket, id, 'hi!');
    expect(reply.type).toBe('ack');
    const threaded = await relay.http<{ seq: number }>('POST', `/v1/conversations/${id}/messages`, {
      as: bob.token,
      body: { id: randomUUID(), text: 'replying', replyTo: original },
    });
    expect(threaded).toMatchObject({ status: 201, body: { seq: 3 } });
    const other = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: [bob.id] },
    });
    const foreignReply = await relay.http('POST', `/v1/conversations/${other.body.id}/messages`, {
      as: bob.token,
      body: { id: randomUUID(), text: 'x', replyTo: original },
    });
    expect(foreignReply).toMatchObject({ status: 422, body: { code: 'REPLY_TARGET_NOT_FOUND' } });

    const deleted = await relay.http<Message>('DELETE', `/v1/conversations/${id}/messages/${original}`, { as: ana.token });
    expect(deleted).toMatchObject({ status: 200, body: { text: '', metadata: {}, seq: 1, deletedAt: expect.any(String) } });
    await bobSocket.waitFor((f) => f.type === 'message.deleted' && f.message.id === original);
    const editDeleted = await anaSocket.request({ type: 'message.edit', conversationId: id, messageId: original, text: 'back' });
    expect(editDeleted).toMatchObject({ type: 'error', error: { code: 'MESSAGE_DELETED' } });
    const unknown = await anaSocket.request({ type: 'message.delete', conversationId: id, messageId: randomUUID() });
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'MESSAGE_NOT_FOUND' } });

    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${id}/messages`, { as: bob.token });
    expect(history.body.messages.map((m) => [m.seq, m.text, m.replyTo])).toEqual([
      [1, '', null],
      [2, 'hi!', null],
      [3, 'replying', original],
    ]);
    const older = await relay.http<{ messages: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${id}/messages?before=3&limit=1`, {
      as: bob.token,
    });
    expect(older.body).toMatchObject({ messages: [{ seq: 2 }], hasMore: true });
  });
});
