import type { PresenceEvent } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, client, privateConversation, startRelay, until, userToken } from './relay.js';

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

  it('watches a user while something listens to their presence, again on each new socket, and no longer once nothing does', async () => {
    const config = { realtime: { offlineGraceMs: 0 } };
    const first = await startRelay({ config });
    cleanup.push(first.remove);
    await privateConversation(first.url, 'ann', 'bo');
    await privateConversation(first.url, 'cy', 'bo');
    const ann = client(first.url, await userToken(first.url, 'ann'));
    cleanup.push(() => ann.close());
    await ann.connect();
    const boPresence = ann.presence('bo');
    const stopListening = boPresence.subscribe(() => {});
    // A new relay process: the socket that watched Bo is gone, and the new one must watch him again.
    await first.close();
    const second = await startRelay({ port: first.port, dataDir: first.dataDir, config });
    cleanup.push(second.close);
    await until(ann.connection, (state) => state === 'connected');
    const [bo, cy] = [client(second.url, await userToken(second.url, 'bo')), client(second.url, await userToken(second.url, 'cy'))];
    cleanup.push(
      () => bo.close(),
      () => cy.close(),
    );
    await bo.connect();
    await until(boPresence, (p) => p.status === 'online');

    // Nothing listens any more: Ann's socket stops watching Bo, while Cy, who listens, still sees him go.
    stopListening();
    const seenByAnn: PresenceEvent[] = [];
    ann.on('presence', (event) => seenByAnn.push(event));
    await cy.connect();
    const cyPresence = cy.presence('bo');
    const cyStop = cyPresence.subscribe(() => {});
    cleanup.push(cyStop);
    await until(cyPresence, (p) => p.status === 'online');
    bo.close();
    await until(cyPresence, (p) => p.status === 'offline');
    await ann.markRead(await privateConversation(second.url, 'ann', 'bo'));
    expect(seenByAnn).toEqual([]);
    // The store keeps its last value, and a new listener watches Bo again with his presence now.
    expect(boPresence.getSnapshot().status).toBe('online');
    expect((await until(ann.presence('bo'), (p) => p.status === 'offline')).lastSeenAt).not.toBeNull();
  });
});
