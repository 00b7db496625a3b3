import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

describe('stores a UI binds to', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('keeps the conversation list, unread totals, typing and presence current', async () => {
    const relay = await startRelay({ config: { realtime: { offlineGraceMs: 0 } } });
    cleanup.push(relay.remove, relay.close);
    const [annToken, bobToken] = [await userToken(relay.url, 'ann'), await userToken(relay.url, 'bo')];
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'bo', createdBy: 'ann' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const ann = client(relay.url, annToken);
    const bo = client(relay.url, bobToken);
    cleanup.push(
      () => ann.close(),
      () => bo.close(),
    );
    await ann.connect();
    const boPresence = ann.presence('bo');
    expect(boPresence.getSnapshot().status).toBe('offline');
    await bo.connect();
    await until(boPresence, (p) => p.status === 'online');

    await bo.send(conversationId, 'one');
    await bo.send(conversationId, 'two');
    const list = await until(ann.conversations, (c) => c[0]?.unreadCount === 2);
    expect(list[0]).toMatchObject({ id: conversationId, lastMessage: { text: 'two' } });
    expect(ann.unreadTotal.getSnapshot()).toBe(2);
    await ann.markRead(conversationId);
    await until(ann.unreadTotal, (n) => n === 0);

    const typing = ann.typing(conversationId);
    const before = typing.getSnapshot();
    await bo.setTyping(conversationId, true);
    expect(await until(typing, (users) => users.includes('bo'))).toEqual(['bo']);
    expect(typing.getSnapshot()).not.toBe(before);
    await bo.setTyping(conversationId, false);
    await until(typing, (users) => users.length === 0);

    bo.close();
    await until(boPresence, (p) => p.status === 'offline');
  });
});
