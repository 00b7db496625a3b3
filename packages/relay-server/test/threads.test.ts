import { randomUUID } from 'node:crypto';
import type {
  Conversation,
  ConversationDetail,
  ConversationPage,
  Message,
  MessagePage,
  ServerFrame,
  ThreadPage,
  ThreadReadResult,
} from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL, type RunningRelay, sendText, signedToken, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

type Created = Extract<ServerFrame, { type: 'message.created' }>;
const createdIn =
  (threadId: string) =>
  (frame: ServerFrame): frame is Created =>
    frame.type === 'message.created' && frame.message.threadId === threadId;

describe.each([
  ['sqlite', () => ({})],
  [
    'postgres',
    () => {
      const schema = `threads_${randomUUID().slice(0, 8)}`;
      schemas.push(schema);
      return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
    },
  ],
])('threads (%s)', (_store, storeConfig) => {
  const setUp = async (relay: RunningRelay) => {
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: [bob.id, cid.id] },
    });
    const conversationId = created.body.id;
    const anaSocket = await relay.connect(ana.token);
    const rootId = randomUUID();
    await sendText(anaSocket, conversationId, 'shall we ship friday?', rootId);
    const base = `/v1/conversations/${conversationId}`;
    const thread = async (token: string, query = '') =>
      relay.http<ThreadPage & { code?: string }>('GET', `${base}/threads/${rootId}/messages${query}`, { as: token });
    return { ana, bob, cid, conversationId, anaSocket, rootId, base, thread };
  };

  it('takes replies over WebSocket and REST, live to every member, with the root’s summary, pages and unread counts', async () => {
    await using relay = await startRelay(storeConfig());
    const { ana, bob, cid, conversationId, anaSocket, rootId, base, thread } = await setUp(relay);
    const [bobSocket, cidSocket] = [await relay.connect(bob.token), await relay.connect(cid.token)];

    const replyId = randomUUID();
    const ack = await bobSocket.request({
      type: 'message.send',
      conversationId,
      message: { id: replyId, text: 'yes', threadId: rootId },
    });
    expect(ack).toMatchObject({ type: 'ack', result: { messageId: replyId, seq: 2 } });
    for (const socket of [anaSocket, cidSocket]) {
      const live = await socket.waitFor(createdIn(rootId));
      expect(live.message).toMatchObject({ id: replyId, threadId: rootId, showInConversation: false, thread: null });
    }
    const alsoId = randomUUID();
    const posted = await relay.http('POST', `${base}/messages`, {
      as: cid.token,
      body: { id: alsoId, text: 'and I will write the notes', threadId: rootId, showInConversation: true },
    });
    expect(posted).toMatchObject({ status: 201, body: { seq: 3 } });
    await anaSocket.waitFor((f) => createdIn(rootId)(f) && f.message.id === alsoId && f.message.showInConversation);
    await sendText(anaSocket, conversationId, 'unrelated');

    // The conversation's history leaves out the reply sent to the thread only.
    const history = await relay.http<MessagePage>('GET', `${base}/messages`, { as: bob.token });
    expect(history.body.messages.map((m) => m.seq)).toEqual([1, 3, 4]);
    const root = history.body.messages[0] as Message;
    expect(root.thread).toEqual({
      replyCount: 2,
      lastReplyId: alsoId,
      lastReplySeq: 3,
      lastReplyAt: expect.any(String),
      participants: [bob.id, cid.id],
    });

    // The thread: root, replies, and each member's own horizon.
    const page = await thread(ana.token);
    expect(page.status).toBe(200);
    expect(page.body.root).toEqual(root);
    expect(page.body.messages.map((m) => m.id)).toEqual([replyId, alsoId]);
    expect([page.body.hasMore, page.body.readSeq, page.body.unreadCount]).toEqual([false, 0, 2]);
    expect((await thread(bob.token)).body.unreadCount).toBe(1);
    const older = await thread(ana.token, '?before=3&limit=1');
    expect([older.body.messages.map((m) => m.seq), older.body.hasMore]).toEqual([[2], false]);
    const newer = await thread(ana.token, '?after=0&limit=1');
    expect([newer.body.messages.map((m) => m.seq), newer.body.hasMore]).toEqual([[2], true]);

    // ana reads the thread up to bob's reply over WebSocket, then to its end over REST; bob's horizon is his own.
    const read = await anaSocket.request({ type: 'thread.read', conversationId, threadId: rootId, seq: 2 });
    expect(read).toMatchObject({ type: 'ack', result: { conversationId, threadId: rootId, userId: ana.id, readSeq: 2, unreadCount: 1 } });
    const rest = await relay.http<ThreadReadResult>('POST', `${base}/threads/${rootId}/read`, { as: ana.token, body: { seq: 1_000 } });
    expect(rest.body).toMatchObject({ readSeq: 3, unreadCount: 0 });
    expect((await thread(ana.token)).body).toMatchObject({ readSeq: 3, unreadCount: 0 });
    expect((await thread(bob.token)).body).toMatchObject({ readSeq: 0, unreadCount: 1 });

    // Thread-only replies do not count toward the conversation's unread count, nor stand as its last message.
    const list = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: ana.token });
    const summary = list.body.conversations.find((c) => c.id === conversationId);
    expect(summary?.unreadCount).toBe(1);
    const bobList = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: bob.token });
    expect(bobList.body.conversations.find((c) => c.id === conversationId)).toMatchObject({ unreadCount: 3, lastMessage: { seq: 4 } });
  });

  it('replays thread replies on resume, gap-free, with the conversation’s other messages', async () => {
    await using relay = await startRelay(storeConfig());
    const { bob, cid, conversationId, anaSocket, rootId, base, thread } = await setUp(relay);
    const before = (await relay.http<Conversation>('GET', base, { as: bob.token })).body;
    const cidSocket = await relay.connect(cid.token);
    const sent: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = randomUUID();
      sent.push(id);
      const socket = i % 2 ? cidSocket : anaSocket;
      await socket.request({
        type: 'message.send',
        conversationId,
        message: { id, text: `reply ${i}`, ...(i === 3 ? {} : { threadId: rootId, showInConversation: i === 4 }) },
      });
    }
    const bobSocket = await relay.connect(bob.token);
    const reply = await bobSocket.request({ type: 'resume', cursors: { [conversationId]: [before.lastSeq, before.lastEventSeq] } });
    expect(reply).toMatchObject({ type: 'ack', result: { messages: 6 } });
    const replayed = bobSocket.frames.filter((f): f is Created => f.type === 'message.created').map((f) => f.message);
    expect(replayed.map((m) => m.id)).toEqual(sent);
    expect(replayed.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(replayed.filter((m) => m.threadId === rootId)).toHaveLength(5);
    // What the replay brought is what the thread holds.
    const page = await thread(bob.token);
    expect(page.body.messages.map((m) => m.id)).toEqual(sent.filter((_, i) => i !== 3));
    expect(page.body.root.thread).toMatchObject({ replyCount: 5, lastReplySeq: 7 });
  });

  it('refuses bad threads with their codes, and shows no thread to anyone outside the conversation', async () => {
    await using relay = await startRelay(storeConfig());
    const { ana, bob, cid, conversationId, anaSocket, rootId, base, thread } = await setUp(relay);
    const replyId = randomUUID();
    await anaSocket.request({ type: 'message.send', conversationId, message: { id: replyId, text: 'r', threadId: rootId } });
    const send = (body: Record<string, unknown>) =>
      relay.http<{ code: string }>('POST', `${base}/messages`, { as: ana.token, body: { id: randomUUID(), text: 'x', ...body } });
    expect(await send({ threadId: randomUUID() })).toMatchObject({ status: 404, body: { code: 'THREAD_ROOT_NOT_FOUND' } });
    expect(await send({ threadId: replyId })).toMatchObject({ status: 400, body: { code: 'NESTED_THREAD' } });
    expect(await send({ showInConversation: true })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await send({ threadId: 'not a message id!' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await send({ threadId: rootId, showInConversation: 'yes' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });

    // A root of another conversation is not a root here.
    const other = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const foreign = await relay.http<{ code: string }>('POST', `/v1/conversations/${other.body.id}/messages`, {
      as: ana.token,
      body: { id: randomUUID(), text: 'x', threadId: rootId },
    });
    expect(foreign).toMatchObject({ status: 404, body: { code: 'THREAD_ROOT_NOT_FOUND' } });
    const foreignPage = await relay.http<{ code: string }>('GET', `/v1/conversations/${other.body.id}/threads/${rootId}/messages`, {
      as: ana.token,
    });
    expect(foreignPage).toMatchObject({ status: 404, body: { code: 'THREAD_ROOT_NOT_FOUND' } });
    expect(await relay.http('GET', `${base}/threads/${replyId}/messages`, { as: ana.token })).toMatchObject({
      status: 400,
      body: { code: 'NESTED_THREAD' },
    });
    expect(await thread(ana.token, '?before=0')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect(await relay.http('POST', `${base}/threads/${rootId}/read`, { as: ana.token, body: { seq: -1 } })).toMatchObject({
      status: 400,
    });

    // Someone who never was a member, a member who left, and a token of another app see nothing.
    const eve = await relay.user();
    await relay.http('DELETE', `${base}/members/${cid.id}`, { as: cid.token });
    for (const token of [eve.token, cid.token]) {
      expect(await thread(token)).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
      expect(await relay.http('POST', `${base}/threads/${rootId}/read`, { as: token, body: { seq: 2 } })).toMatchObject({
        status: 404,
        body: { code: 'CONVERSATION_NOT_FOUND' },
      });
    }
    const cidSocket = await relay.connect(cid.token);
    const refused = await cidSocket.request({ type: 'thread.read', conversationId, threadId: rootId, seq: 2 });
    expect(refused).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
    const stranger = await signedToken('another-app-secret-that-is-long-enough', bob.id, 60);
    expect(await thread(stranger)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('sends typing in a thread to the other members as its own indicator, apart from the conversation’s', async () => {
    await using relay = await startRelay({ ...storeConfig(), realtime: { typingExpiryMs: 60_000 } });
    const { bob, cid, conversationId, anaSocket, rootId } = await setUp(relay);
    const [bobSocket, cidSocket] = [await relay.connect(bob.token), await relay.connect(cid.token)];
    type Typing = Extract<ServerFrame, { type: 'typing' }>;
    const isTyping = (f: ServerFrame): f is Typing => f.type === 'typing';

    expect(await bobSocket.request({ type: 'typing', conversationId, threadId: rootId, active: true })).toMatchObject({ type: 'ack' });
    expect(await anaSocket.waitFor(isTyping)).toEqual({ type: 'typing', conversationId, userId: bob.id, active: true, threadId: rootId });
    await cidSocket.waitFor((f) => isTyping(f) && f.threadId === rootId);
    // Typing in the conversation is another indicator: it starts though bob types in the thread, and carries no thread.
    await bobSocket.request({ type: 'typing', conversationId, active: true });
    const inConversation = await anaSocket.waitFor((f): f is Typing => isTyping(f) && f.threadId === undefined);
    expect(inConversation).toEqual({ type: 'typing', conversationId, userId: bob.id, active: true });
    await bobSocket.request({ type: 'typing', conversationId, threadId: rootId, active: false });
    await anaSocket.waitFor((f) => isTyping(f) && f.threadId === rootId && !f.active);
    // Leaving ends the conversation's indicator too, through the socket's close.
    bobSocket.close();
    await anaSocket.waitFor((f) => isTyping(f) && f.threadId === undefined && !f.active);
    expect(anaSocket.frames.filter(isTyping).map((f) => [f.threadId ?? null, f.active])).toEqual([
      [rootId, true],
      [null, true],
      [rootId, false],
      [null, false],
    ]);

    // Hostile input: a bad thread id is a schema error; a non-member may not type in the conversation's threads.
    const bad = await cidSocket.request({ type: 'typing', conversationId, threadId: 'not an id!', active: true } as { type: string });
    expect(bad).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
    const eve = await relay.connect((await relay.user()).token);
    const refused = await eve.request({ type: 'typing', conversationId, threadId: rootId, active: true });
    expect(refused).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
  });
});
