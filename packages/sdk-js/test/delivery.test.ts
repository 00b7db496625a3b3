import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllClient } from '../src/index.js';
import { FileOutboxStorage } from '../src/node.js';
import { client, freePort, privateConversation, relayProcess, startRelay, UNLIMITED, userToken } from './relay.js';

/** Resolves once `receiver` has `count` messages from others in the conversation. */
function received(receiver: Chat4AllClient, conversationId: string, count: number): Promise<Message[]> {
  return new Promise((resolve) => {
    const got: Message[] = [];
    const onMessage = (message: Message) => {
      if (message.conversationId !== conversationId) return;
      got.push(message);
      if (got.length === count) {
        receiver.off('message', onMessage);
        resolve(got);
      }
    };
    receiver.on('message', onMessage);
  });
}

describe('sdk-js delivery against the real relay', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('sends 1,000 messages written while offline once each, in order, when it connects', async () => {
    const relay = await startRelay({ config: { limits: UNLIMITED } });
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'ana', 'bob');
    const ana = client(relay.url, await userToken(relay.url, 'ana'));
    const bob = client(relay.url, await userToken(relay.url, 'bob'));
    cleanup.push(
      () => ana.close(),
      () => bob.close(),
    );
    await bob.connect();

    for (let i = 0; i < 1000; i++) await ana.send(conversationId, `offline ${i}`);
    expect(ana.outbox.getSnapshot()).toHaveLength(1000);
    expect(
      ana
        .messages(conversationId)
        .getSnapshot()
        .every((m) => m.status === 'pending'),
    ).toBe(true);

    const arrival = received(bob, conversationId, 1000);
    await ana.connect();
    const got = await arrival;
    expect(got.map((m) => m.text)).toEqual(Array.from({ length: 1000 }, (_, i) => `offline ${i}`));
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await waitFor(() => ana.outbox.getSnapshot().length === 0, ana.outbox);
    expect(
      ana
        .messages(conversationId)
        .getSnapshot()
        .map((m) => m.seq),
    ).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('delivers all 500 once, in order, when the relay is killed and restarted during the flush', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'chat4all-sdk-kill-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let relay = relayProcess(port, dataDir);
    cleanup.push(() => relay.child.kill('SIGKILL'));
    await relay.ready;
    const url = `http://127.0.0.1:${port}`;
    const conversationId = await privateConversation(url, 'kim', 'lee');
    const kim = client(url, await userToken(url, 'kim'));
    cleanup.push(() => kim.close());
    await kim.connect();
    for (let i = 0; i < 500; i++) await kim.send(conversationId, `m${i}`);

    // Kill the relay without warning once some of the flush has been acked.
    await waitFor(() => kim.outbox.getSnapshot().length <= 350, kim.outbox);
    relay.child.kill('SIGKILL');
    await waitFor(() => kim.connection.getSnapshot() === 'reconnecting', kim.connection);
    relay = relayProcess(port, dataDir);
    cleanup.push(() => relay.child.kill('SIGKILL'));
    await relay.ready;
    await waitFor(() => kim.outbox.getSnapshot().length === 0, kim.outbox);

    const lee = client(url, await userToken(url, 'lee'), { newConversationMessages: 0 });
    cleanup.push(() => lee.close());
    await lee.connect();
    while ((await lee.loadOlder(conversationId, 200)) > 0);
    const texts = lee
      .messages(conversationId)
      .getSnapshot()
      .map((m) => m.text);
    expect(texts).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
  });

  it('sends what a closed process left in its file outbox, once each, when the next one starts', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'ada', 'ben');
    const file = join(relay.dataDir, 'ada-outbox.json');
    const token = await userToken(relay.url, 'ada');
    const first = client(relay.url, token, { storage: new FileOutboxStorage(file) });
    for (const text of ['one', 'two', 'three']) await first.send(conversationId, text);
    first.close();

    const ben = client(relay.url, await userToken(relay.url, 'ben'));
    cleanup.push(() => ben.close());
    await ben.connect();
    const arrival = received(ben, conversationId, 3);
    const second = client(relay.url, token, { storage: new FileOutboxStorage(file) });
    cleanup.push(() => second.close());
    await second.connect();
    expect((await arrival).map((m) => m.text)).toEqual(['one', 'two', 'three']);
    await waitFor(() => second.outbox.getSnapshot().length === 0, second.outbox);
    expect(await new FileOutboxStorage(file).load()).toEqual([]);
  });

  it('keeps two devices of one user on the same state', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'max', 'sam');
    const maxToken = await userToken(relay.url, 'max');
    const phone = client(relay.url, maxToken);
    const laptop = client(relay.url, maxToken);
    const sam = client(relay.url, await userToken(relay.url, 'sam'));
    cleanup.push(
      () => phone.close(),
      () => laptop.close(),
      () => sam.close(),
    );
    await Promise.all([phone.connect(), laptop.connect(), sam.connect()]);

    await phone.send(conversationId, 'from the phone');
    await received(sam, conversationId, 1);
    laptop.close();
    await sam.send(conversationId, 'while the laptop sleeps');
    await phone.send(conversationId, 'phone again');
    await received(sam, conversationId, 1);
    await waitFor(() => phone.messages(conversationId).getSnapshot().length === 3, phone.messages(conversationId));

    const laptopAgain = client(relay.url, maxToken);
    cleanup.push(() => laptopAgain.close());
    await laptopAgain.connect();
    await waitFor(() => laptopAgain.messages(conversationId).getSnapshot().length === 3, laptopAgain.messages(conversationId));
    const view = (c: Chat4AllClient) =>
      c
        .messages(conversationId)
        .getSnapshot()
        .map((m) => [m.seq, m.id, m.text, m.senderId]);
    expect(view(laptopAgain)).toEqual(view(phone));
    expect(view(phone).map((m) => m[2])).toEqual(['from the phone', 'while the laptop sleeps', 'phone again']);
  });

  it('shows sent → delivered → read for the sender', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'ivy', 'joe');
    const ivy = client(relay.url, await userToken(relay.url, 'ivy'));
    const joe = client(relay.url, await userToken(relay.url, 'joe'));
    cleanup.push(
      () => ivy.close(),
      () => joe.close(),
    );
    await ivy.connect();
    const statuses = ivy.messages(conversationId);
    const sent = await ivy.send(conversationId, 'hello');
    expect(sent.status).toBe('pending');
    await waitFor(() => statuses.getSnapshot()[0]?.status === 'sent', statuses);
    await joe.connect();
    await waitFor(() => statuses.getSnapshot()[0]?.status === 'delivered', statuses);
    await joe.markRead(conversationId);
    await waitFor(() => statuses.getSnapshot()[0]?.status === 'read', statuses);
  });
});

/** Resolves when `predicate` holds, re-checking on every change of `store`. */
function waitFor(predicate: () => boolean, store: { subscribe(listener: () => void): () => void }): Promise<void> {
  return new Promise((resolve) => {
    if (predicate()) return resolve();
    const unsubscribe = store.subscribe(() => {
      if (!predicate()) return;
      unsubscribe();
      resolve();
    });
  });
}
