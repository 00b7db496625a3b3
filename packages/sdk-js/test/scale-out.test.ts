import type { ChatMessage } from '@chat4all/sdk-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllClient as Client } from '../src/index.js';
import { cluster } from './cluster.js';
import { API_KEY, client, until, userToken } from './relay.js';

type Cluster = Awaited<ReturnType<typeof cluster>>;

async function group(url: string, createdBy: string, memberIds: string[]): Promise<string> {
  const response = await fetch(`${url}/v1/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'group', createdBy, memberIds, title: 'load' }),
  });
  return ((await response.json()) as { id: string }).id;
}

/** Every message of a conversation as stored, in seq order. */
async function stored(c: Cluster, conversationId: string) {
  return c.sql<{ id: string; seq: number }[]>`SELECT id, seq FROM messages WHERE conversation_id = ${conversationId} ORDER BY seq`;
}

const seqsAreOneToN = (messages: readonly ChatMessage[], n: number) => messages.length === n && messages.every((m, i) => m.seq === i + 1);

describe('N relay nodes on PostgreSQL and Redis Streams', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('loses and doubles nothing, and every reader sees one order, while a node is killed with kill -9 every 2 s', async () => {
    const c = await cluster(3);
    cleanup.push(() => c.close());
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    const tokens = await Promise.all(users.map((user) => userToken(c.url, user)));
    const conversations = [await group(c.url, 'user0', users), await group(c.url, 'user1', users)];
    // Behind the balancer, the 10 clients land on the 3 nodes in turn.
    const clients: Client[] = tokens.map((token) => client(c.url, token, { backoff: { baseMs: 50, maxMs: 500 } }));
    for (const each of clients) cleanup.push(() => each.close());
    await Promise.all(clients.map((each) => each.connect()));

    // Kill one node every 2 s, in turn, and bring it back on its port.
    let sending = true;
    let kills = 0;
    const killer = (async () => {
      while (sending) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        if (!sending) break;
        const index = kills++ % 3;
        c.kill(index);
        await c.restart(index);
      }
    })();

    // Each client sends 1,000 messages at 100/s, alternating between the two conversations.
    const sent = new Map<string, string>();
    await Promise.all(
      clients.map(async (each, n) => {
        for (let i = 0; i < 1000; i++) {
          const conversationId = conversations[i % 2] as string;
          const { id } = await each.send(conversationId, `${users[n]} ${i}`);
          sent.set(id, conversationId);
          if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    await Promise.all(clients.map((each) => until(each.outbox, (entries) => entries.length === 0)));
    sending = false;
    await killer;
    expect(kills).toBeGreaterThanOrEqual(3);

    // The store holds each of the 10,000 once, with gap-free seqs per conversation.
    expect(sent.size).toBe(10_000);
    for (const conversationId of conversations) {
      const rows = await stored(c, conversationId);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
      for (const row of rows) expect(sent.get(row.id)).toBe(conversationId);
    }

    // Every reader converges on exactly that order.
    for (const conversationId of conversations) {
      const order = (await stored(c, conversationId)).map((r) => r.id);
      for (const each of clients) {
        const view = await until(each.messages(conversationId), (messages) => seqsAreOneToN(messages, 5000));
        expect(view.map((m) => m.id)).toEqual(order);
      }
    }
  }, 120_000);
});
