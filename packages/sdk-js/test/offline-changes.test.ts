import { randomBytes } from 'node:crypto';
import type { Message } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllError } from '../src/errors.js';
import { type Chat4AllClient, MemoryOutboxStorage, type OutboxEntry } from '../src/index.js';
import { API_KEY, bothStores, client, privateConversation, startRelay, until, userToken } from './relay.js';

const STORES = bothStores('offline');

describe.each(Object.keys(STORES))('sdk-js offline edits, deletes and reactions against the real relay (%s)', (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('queues them while offline, in order with the sends, and sends them after a reload', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
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
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
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

  it('sends a change again after a reload between its answer and its removal from the outbox, with no second effect', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'gil', 'hal');
    const token = await userToken(relay.url, 'gil');
    // While `closing`, the page is closed between the relay's answer and the outbox's delete: the entry stays stored.
    class ClosedAfterAnswer extends MemoryOutboxStorage {
      closing = false;
      override async delete(id: string): Promise<void> {
        if (!this.closing) await super.delete(id);
      }
    }
    const storage = new ClosedAfterAnswer();
    const errors: Chat4AllError[] = [];
    const open = async () => {
      const gil = client(relay.url, token, { storage });
      cleanup.push(() => gil.close());
      gil.on('error', (error) => errors.push(error));
      await gil.connect();
      return gil;
    };
    let gil = await open();
    const kept = await gil.send(conversationId, 'kept');
    const gone = await gil.send(conversationId, 'gone');
    await until(gil.outbox, (entries) => entries.length === 0);
    const changes: Array<(c: Chat4AllClient) => Promise<Message | null>> = [
      (c) => c.edit(conversationId, kept.id, 'kept, edited'),
      (c) => c.react(conversationId, kept.id, '👍'),
      (c) => c.react(conversationId, gone.id, '🎉'),
      (c) => c.unreact(conversationId, gone.id, '🎉'),
      (c) => c.delete(conversationId, gone.id),
    ];
    for (const change of changes) {
      storage.closing = true;
      await change(gil);
      gil.close();
      expect(await storage.load()).toHaveLength(1);
      storage.closing = false;
      gil = await open();
      await until(gil.outbox, (entries) => entries.length === 0);
      expect(await storage.load()).toEqual([]);
    }
    expect(errors).toEqual([]);
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const messages = ((await history.json()) as { messages: Message[] }).messages;
    expect(messages.map((m) => [m.seq, m.id, m.text, m.deletedAt !== null])).toEqual([
      [1, kept.id, 'kept, edited', false],
      [2, gone.id, '', true],
    ]);
    expect(messages.map((m) => m.reactions)).toEqual([[{ key: '👍', count: 1, userIds: ['gil'] }], []]);
  });

  it('stops the upload of a file message deleted before it was sent', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'ida', 'jon');
    // Not connected: the message waits in the outbox while its file uploads over HTTP.
    const ida = client(relay.url, await userToken(relay.url, 'ida'));
    cleanup.push(() => ida.close());
    const sent = await ida.sendFile(conversationId, randomBytes(8 * 1024 * 1024), { chunkSize: 1024 * 1024 });
    const upload = ida.uploadOf(sent.id);
    if (!upload) throw new Error('no upload for the file message');
    await until(upload.progress, (p) => p.bytesSent > 0);
    expect(await ida.delete(conversationId, sent.id)).toBeNull();
    await until(upload.progress, (p) => p.status === 'cancelled');
    expect(ida.uploadOf(sent.id)).toBeUndefined();
    expect(ida.outbox.getSnapshot()).toEqual([]);
  });

  it('drops a refused change with an error event and takes back what it showed, without holding the sends after it', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
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
