import { randomUUID } from 'node:crypto';
import type { RelayConfigInput } from '@chat4all/relay-server';
import { dropSchemas, POSTGRES_URL } from '@chat4all/relay-server/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllClient } from '../src/index.js';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES: Record<string, () => RelayConfigInput> = {
  sqlite: () => ({}),
  postgres: () => {
    const schema = `sdk_threads_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres', postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

describe.each(Object.keys(STORES))('threads through the client (%s)', (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const team = async (config: RelayConfigInput, port?: number, dataDir?: string) => {
    const relay = await startRelay({ config, port, dataDir });
    cleanup.push(relay.remove, relay.close);
    const open = async (userId: string, options = {}) => {
      const c = client(relay.url, await userToken(relay.url, userId), options);
      cleanup.push(() => c.close());
      await c.connect();
      return c;
    };
    const [owner, amy, bo] = [await open('owner'), await open('amy'), await open('bo')];
    const group = await owner.createGroup({ title: 'Team', memberIds: ['amy', 'bo'] });
    await until(bo.conversations, (list) => list.some((c) => c.id === group.id));
    const post = (body: Record<string, unknown>) =>
      fetch(`${relay.url}/v1/conversations/${group.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: randomUUID(), senderId: 'owner', text: 'x', ...body }),
      });
    return { relay, open, owner, amy, bo, group, post };
  };
  const held = (c: Chat4AllClient, conversationId: string, id: string) =>
    until(c.messages(conversationId), (ms) => ms.some((m) => m.id === id));

  it('replies in a thread, live in every member’s thread and in the root’s summary, outside the conversation view unless sent there too', async () => {
    const { owner, amy, bo, group } = await team(STORES[store]?.() ?? {});
    const root = await owner.send(group.id, 'ship friday?');
    await held(bo, group.id, root.id);

    const amyThread = amy.thread(group.id, root.id);
    expect(amy.thread(group.id, root.id)).toBe(amyThread);
    await until(amyThread.state, (s) => s.loaded);
    const reply = await amyThread.send('yes');
    expect(reply).toMatchObject({ status: 'pending', threadId: root.id, showInConversation: false });
    // Shown in the thread at once, never in the conversation's view.
    expect(amyThread.messages.getSnapshot().map((m) => m.id)).toEqual([root.id, reply.id]);
    expect(
      amy
        .messages(group.id)
        .getSnapshot()
        .some((m) => m.id === reply.id),
    ).toBe(false);

    // The root's summary moves live for everyone, the sender included.
    const summaryOf = (c: Chat4AllClient) =>
      c
        .messages(group.id)
        .getSnapshot()
        .find((m) => m.id === root.id)?.thread;
    for (const c of [owner, amy, bo]) await until(c.messages(group.id), () => summaryOf(c)?.replyCount === 1);
    expect(summaryOf(bo)).toMatchObject({ lastReplyId: reply.id, participants: ['amy'] });
    expect(
      bo
        .messages(group.id)
        .getSnapshot()
        .map((m) => m.id),
    ).toEqual([root.id]);

    // bo opens the thread: the reply, one unread; reading it clears it.
    const boThread = bo.thread(group.id, root.id);
    await until(boThread.state, (s) => s.loaded && s.unreadCount === 1);
    expect(boThread.messages.getSnapshot().map((m) => m.id)).toEqual([root.id, reply.id]);
    await boThread.markRead();
    expect(boThread.state.getSnapshot()).toMatchObject({ unreadCount: 0, readSeq: 2 });

    // Also sent to the conversation: in both views, and counted unread in the conversation.
    const also = await amyThread.send('notes are up', { showInConversation: true });
    await until(boThread.state, (s) => s.unreadCount === 1);
    await held(bo, group.id, also.id);
    expect(boThread.messages.getSnapshot().at(-1)?.id).toBe(also.id);
    expect(summaryOf(bo)).toMatchObject({ replyCount: 2, participants: ['amy'] });
    await until(bo.conversations, (list) => list.find((c) => c.id === group.id)?.lastMessage?.id === also.id);
    expect(bo.conversations.getSnapshot().find((c) => c.id === group.id)?.unreadCount).toBe(2);
  });

  it('shows who types in a thread apart from who types in its conversation', async () => {
    const { owner, bo, group } = await team(STORES[store]?.() ?? {});
    const root = await owner.send(group.id, 'root');
    await held(bo, group.id, root.id);
    await owner.setTyping(group.id, true, root.id);
    await until(bo.typing(group.id, root.id), (ids) => ids.includes('owner'));
    expect(bo.typing(group.id).getSnapshot()).toEqual([]);
    await owner.setTyping(group.id, true);
    await until(bo.typing(group.id), (ids) => ids.includes('owner'));
    await owner.setTyping(group.id, false, root.id);
    await until(bo.typing(group.id, root.id), (ids) => ids.length === 0);
    expect(bo.typing(group.id).getSnapshot()).toEqual(['owner']);
  });

  it('pages a long thread back, fills a gap forward, and counts unread replies it does not hold', async () => {
    const { open, group, post } = await team(STORES[store]?.() ?? {});
    const rootId = randomUUID();
    await post({ id: rootId, text: 'root' });
    for (let i = 0; i < 60; i++) await post({ text: `reply ${i}`, threadId: rootId, senderId: i % 2 ? 'owner' : 'amy' });
    // A device of bo's that starts now holds the conversation's newest messages only.
    const bo = await open('bo', { newConversationMessages: 5 });
    const thread = bo.thread(group.id, rootId);
    const loaded = await until(thread.state, (s) => s.loaded);
    expect(loaded).toMatchObject({ hasOlder: true, unreadCount: 60, readSeq: 0 });
    expect(thread.messages.getSnapshot()).toHaveLength(51);
    expect(await thread.loadOlder(20)).toBe(10);
    expect(thread.state.getSnapshot()).toMatchObject({ hasOlder: false, unreadCount: 60 });
    expect(thread.messages.getSnapshot().map((m) => m.text)).toEqual(['root', ...Array.from({ length: 60 }, (_, i) => `reply ${i}`)]);
    expect(await thread.loadNewer()).toBe(0);
    await thread.markRead();
    expect(thread.state.getSnapshot()).toMatchObject({ unreadCount: 0, readSeq: 61 });
    expect(
      bo
        .messages(group.id)
        .getSnapshot()
        .find((m) => m.id === rootId)?.thread?.replyCount,
    ).toBe(60);
  });

  it('brings the replies sent while the relay was away through resume, once each, into the thread and the root’s summary', async () => {
    const config = STORES[store]?.() ?? {};
    const { relay, bo, group, post } = await team(config);
    const rootId = randomUUID();
    await post({ id: rootId, text: 'root' });
    await post({ text: 'first', threadId: rootId, senderId: 'amy' });
    const thread = bo.thread(group.id, rootId);
    await until(thread.state, (s) => s.loaded && s.unreadCount === 1);

    await relay.close();
    const again = await startRelay({ config, port: relay.port, dataDir: relay.dataDir });
    cleanup.push(again.close);
    await until(bo.connection, (state) => state !== 'connected');
    const repost = (body: Record<string, unknown>) =>
      fetch(`${again.url}/v1/conversations/${group.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: randomUUID(), senderId: 'amy', text: 'x', ...body }),
      });
    for (let i = 0; i < 5; i++) await repost({ text: `away ${i}`, threadId: rootId, showInConversation: i === 4 });
    await until(thread.messages, (ms) => ms.length === 7);
    await until(bo.connection, (state) => state === 'connected');
    expect(thread.messages.getSnapshot().map((m) => m.text)).toEqual(['root', 'first', 'away 0', 'away 1', 'away 2', 'away 3', 'away 4']);
    expect(
      bo
        .messages(group.id)
        .getSnapshot()
        .map((m) => m.text),
    ).toEqual(['root', 'away 4']);
    expect(bo.messages(group.id).getSnapshot()[0]?.thread).toMatchObject({ replyCount: 6, participants: ['amy'] });
    await until(thread.state, (s) => s.unreadCount === 6);
    expect(bo.cursors()[group.id]?.[0]).toBe(7);
  });
});
