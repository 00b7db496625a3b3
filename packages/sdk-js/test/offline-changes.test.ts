import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllError } from '../src/errors.js';
import { MemoryOutboxStorage, type OutboxEntry } from '../src/index.js';
import { client, privateConversation, startRelay, until, userToken } from './relay.js';

describe('sdk-js offline edits, deletes and reactions against the real relay', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('queues them while offline, in order with the sends, and sends them after a reload', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'ana', 'bob');
    const token = await userToken(relay.url, 'ana');
    const storage = new MemoryOutboxStorage();

    const online = client(relay.url, token, { storage });
    cleanup.push(() => online.close());
    await online.connect();
    const one = await online.send(conversationId, 'one');
    await until(online.outbox, (entries) => entries.length === 0);
    online.close();

    // Offline: history over HTTP only, no socket.
    const offline = client(relay.url, token, { storage });
    cleanup.push(() => offline.close());
    await offline.loadOlder(conversationId);
    void offline.edit(conversationId, one.id, 'one, edited');
    void offline.react(conversationId, one.id, '👍');
    const two = await offline.send(conversationId, 'two');
    void offline.edit(conversationId, two.id, 'two, edited');
    const three = await offline.send(conversationId, 'three');
    void offline.react(conversationId, three.id, '🎉');
    const deleted = offline.delete(conversationId, three.id);
    expect(await deleted).toBeNull();

    const shown = await until(offline.messages(conversationId), (messages) => messages[0]?.text === 'one, edited');
    expect(shown[0]).toMatchObject({ text: 'one, edited', reactions: [{ key: '👍', count: 1, mine: true }] });
    expect(shown.map((m) => m.text)).toEqual(['one, edited', 'two']);
    expect((await until(offline.outbox, (entries) => entries.length === 4)).map((e) => e.change?.type ?? e.text)).toEqual([
      'message.edit',
      'reaction.add',
      'two',
      'message.edit',
    ]);
    expect(await storage.load()).toHaveLength(4);
    offline.close();

    // A reload: a new client on the same storage sends what the last one queued, in order.
    const reloaded = client(relay.url, token, { storage });
    cleanup.push(() => reloaded.close());
    await reloaded.connect();
    await until(reloaded.outbox, (entries) => entries.length === 0);
    expect(await storage.load()).toEqual([]);

    const bob = client(relay.url, await userToken(relay.url, 'bob'));
    cleanup.push(() => bob.close());
    await bob.loadOlder(conversationId);
    const seen = bob.messages(conversationId).getSnapshot();
    expect(seen.map((m) => [m.seq, m.text, m.editedAt !== null])).toEqual([
      [1, 'one, edited', true],
      [2, 'two, edited', true],
    ]);
    expect(seen[0]?.reactions).toMatchObject([{ key: '👍', count: 1, userIds: ['ana'] }]);
    const anaSees = await until(
      reloaded.messages(conversationId),
      (messages) => messages.length === 2 && messages[1]?.text === 'two, edited',
    );
    expect(anaSees[0]).toMatchObject({ text: 'one, edited', reactions: [{ key: '👍', mine: true }] });
  });

  it('resolves a change online with the message, and is idempotent when repeated', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'cat', 'dan');
    const cat = client(relay.url, await userToken(relay.url, 'cat'));
    cleanup.push(() => cat.close());
    await cat.connect();
    const sent = await cat.send(conversationId, 'hi');
    const edits = await Promise.all([cat.edit(conversationId, sent.id, 'hi!'), cat.edit(conversationId, sent.id, 'hi!')]);
    expect(edits.map((m) => m?.text)).toEqual(['hi!', 'hi!']);
    const reactions = await Promise.all([cat.react(conversationId, sent.id, '+1'), cat.react(conversationId, sent.id, '+1')]);
    expect(reactions[1]?.reactions).toEqual([{ key: '+1', count: 1, userIds: ['cat'] }]);
    const removed = await Promise.all([cat.unreact(conversationId, sent.id, '+1'), cat.unreact(conversationId, sent.id, '+1')]);
    expect(removed[1]?.reactions).toEqual([]);
    const deletes = await Promise.all([cat.delete(conversationId, sent.id), cat.delete(conversationId, sent.id)]);
    expect(deletes.map((m) => m?.deletedAt !== null)).toEqual([true, true]);
    // Deleted while its send is on the wire: the delete follows the ack, and the relay keeps a tombstone.
    const quick = await cat.send(conversationId, 'gone at once');
    const tombstone = await cat.delete(conversationId, quick.id);
    expect(tombstone).toMatchObject({ id: quick.id, seq: 2, text: '' });
    expect(tombstone?.deletedAt).not.toBeNull();
    await until(cat.outbox, (entries) => entries.length === 0);
  });

  it('drops a refused change with an error event and takes back what it showed, without holding the sends after it', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'eve', 'fay');
    const fay = client(relay.url, await userToken(relay.url, 'fay'));
    cleanup.push(() => fay.close());
    await fay.connect();
    const theirs = await fay.send(conversationId, 'mine, not yours');
    await until(fay.outbox, (entries) => entries.length === 0);

    const eve = client(relay.url, await userToken(relay.url, 'eve'));
    cleanup.push(() => eve.close());
    await eve.loadOlder(conversationId);
    const errors: Array<[Chat4AllError, OutboxEntry]> = [];
    eve.on('error', (error, entry) => errors.push([error, entry]));
    const edit = eve.edit(conversationId, theirs.id, 'overwritten').catch((error: Chat4AllError) => error);
    const missing = eve.react(conversationId, '01890000-0000-7000-8000-000000000000', '👍').catch((error: Chat4AllError) => error);
    await eve.send(conversationId, 'after');
    expect(eve.messages(conversationId).getSnapshot()[0]?.text).toBe('overwritten');

    await eve.connect();
    expect(((await edit) as Chat4AllError).code).toBe('FORBIDDEN');
    expect(((await missing) as Chat4AllError).code).toBe('MESSAGE_NOT_FOUND');
    expect(errors.map(([error, entry]) => [error.code, entry.change?.type])).toEqual([
      ['FORBIDDEN', 'message.edit'],
      ['MESSAGE_NOT_FOUND', 'reaction.add'],
    ]);
    const after = await until(eve.messages(conversationId), (messages) => messages.length === 2 && messages[1]?.seq === 2);
    expect(after.map((m) => m.text)).toEqual(['mine, not yours', 'after']);
    await until(eve.outbox, (entries) => entries.length === 0);
    expect(eve.connection.getSnapshot()).toBe('connected');
  });
});
