import { execFileSync } from 'node:child_process';
import type { ChatMessage } from '@chat4all/sdk-js';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import type { Chat4AllClient as Client } from '../src/index.js';
import { cluster, postgresFailover, redisSentinel, redisServer } from './cluster.js';
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

/** `n` users with SDK clients connected through the balancer, and two group conversations holding all of them. */
async function members(c: Cluster, n: number, cleanup: Array<() => unknown>) {
  const users = Array.from({ length: n }, (_, i) => `user${i}`);
  const tokens = await Promise.all(users.map((user) => userToken(c.url, user)));
  const conversations = [await group(c.url, 'user0', users), await group(c.url, 'user1', users)];
  // Behind the balancer, the clients land on the nodes in turn.
  const clients: Client[] = tokens.map((token) => client(c.url, token, { backoff: { baseMs: 50, maxMs: 500 } }));
  for (const each of clients) cleanup.push(() => each.close());
  await Promise.all(clients.map((each) => each.connect()));
  return { users, clients, conversations };
}

const pending = (clients: readonly Client[]) => clients.reduce((sum, each) => sum + each.outbox.getSnapshot().length, 0);

/** Resolves once the clients' outboxes together hold at most `count` messages. */
const outboxesDownTo = (clients: readonly Client[], count: number) =>
  new Promise<void>((resolve) => {
    const stops: Array<() => void> = [];
    const check = () => {
      if (pending(clients) > count) return;
      for (const stop of stops) stop();
      resolve();
    };
    for (const each of clients) stops.push(each.outbox.subscribe(check));
    check();
  });

/**
 * After every outbox is empty: the store holds each sent message once, seqs 1..n per
 * conversation, and every client's view of each conversation is exactly that order.
 */
async function expectConverged(c: Cluster, clients: readonly Client[], conversations: readonly string[], sent: Map<string, string>) {
  await outboxesDownTo(clients, 0);
  const perConversation = sent.size / conversations.length;
  for (const conversationId of conversations) {
    const rows = await stored(c, conversationId);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: perConversation }, (_, i) => i + 1));
    for (const row of rows) expect(sent.get(row.id)).toBe(conversationId);
    const order = rows.map((r) => r.id);
    for (const each of clients) {
      const view = await until(each.messages(conversationId), (messages) => seqsAreOneToN(messages, perConversation));
      expect(view.map((m) => m.id)).toEqual(order);
    }
  }
}

/** Queues `perClient` messages on every client at once, alternating conversations; returns id → conversation. */
async function burst(clients: readonly Client[], conversations: readonly string[], perClient: number) {
  const sent = new Map<string, string>();
  for (const [n, each] of clients.entries()) {
    for (let i = 0; i < perClient; i++) {
      const conversationId = conversations[i % conversations.length] as string;
      sent.set((await each.send(conversationId, `client${n} ${i}`)).id, conversationId);
    }
  }
  return sent;
}

describe('N relay nodes on PostgreSQL and Redis Streams', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('loses and doubles nothing, and every reader sees one order, while a node is killed with kill -9 every 2 s', async () => {
    const c = await cluster(3);
    cleanup.push(() => c.close());
    const { users, clients, conversations } = await members(c, 10, cleanup);

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
    await outboxesDownTo(clients, 0);
    sending = false;
    await killer;
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(sent.size).toBe(10_000);
    await expectConverged(c, clients, conversations, sent);
    // 115–165 s alone on a 2-core machine (each restart starts a node from source), more beside other suites.
  }, 600_000);

  it('loses nothing when Redis is killed and restarted empty during a burst, and every client converges', async () => {
    const redis = await redisServer();
    cleanup.push(() => redis.stop());
    const c = await cluster(2, { redisUrl: redis.url });
    cleanup.push(() => c.close());
    const { clients, conversations } = await members(c, 6, cleanup);
    const sent = await burst(clients, conversations, 300);
    await outboxesDownTo(clients, sent.size * 0.7);
    await redis.stop();
    await redis.start();
    await expectConverged(c, clients, conversations, sent);
  }, 120_000);

  it('loses nothing when the Redis primary is killed and its Sentinel promotes the replica: the nodes follow it and every client converges', async () => {
    const redis = await redisSentinel('chat4all-test');
    cleanup.push(() => redis.close());
    // The nodes find the primary through the Sentinel; the URL's host is not used (it names the replica, for the cleanup).
    const c = await cluster(2, {
      redisUrl: redis.replicaUrl,
      env: { CHAT4ALL_REDIS_SENTINELS: redis.sentinels, CHAT4ALL_REDIS_SENTINEL_NAME: 'chat4all-test' },
    });
    cleanup.push(() => c.close());
    const { clients, conversations } = await members(c, 6, cleanup);
    const sent = await burst(clients, conversations, 300);
    await outboxesDownTo(clients, sent.size * 0.7);
    await redis.killPrimary();
    await redis.failedOver;
    await expectConverged(c, clients, conversations, sent);
    // The nodes publish to the promoted replica now: a message sent after the failover reaches the other node's member live.
    const [first, second] = clients as [Client, Client];
    const conversationId = conversations[0] as string;
    const message = await first.send(conversationId, 'after the failover');
    await until(second.messages(conversationId), (messages) => messages.some((m) => m.id === message.id));
    const ask = (...command: string[]) => execFileSync('redis-cli', ['-u', redis.replicaUrl, ...command], { encoding: 'utf8' });
    expect(ask('INFO', 'replication')).toContain('role:master');
    expect(ask('KEYS', `${c.keyPrefix}:fanout:*`).trim()).not.toBe('');
  }, 120_000);

  it('loses nothing when the PostgreSQL primary is killed and its synchronous replica promoted: the nodes reconnect through their URL and every client converges', async () => {
    const database = await postgresFailover();
    cleanup.push(() => database.close());
    const c = await cluster(2, { postgresUrl: database.url });
    cleanup.push(() => c.close());
    const { clients, conversations } = await members(c, 6, cleanup);
    const sent = await burst(clients, conversations, 300);
    await outboxesDownTo(clients, sent.size * 0.7);
    await database.failover();
    await expectConverged(c, clients, conversations, sent);
    // The promoted replica is the store now: a message sent after the failover is stored there and reaches the other node's member.
    const [first, second] = clients as [Client, Client];
    const conversationId = conversations[0] as string;
    const message = await first.send(conversationId, 'after the failover');
    await until(second.messages(conversationId), (messages) => messages.some((m) => m.id === message.id));
    const promoted = postgres(database.replicaUrl, { max: 1, onnotice: () => {}, connection: { search_path: c.schema } });
    cleanup.push(() => promoted.end());
    expect((await promoted`SELECT pg_is_in_recovery() AS standby`)[0]?.standby).toBe(false);
    expect(await promoted`SELECT id FROM messages WHERE id = ${message.id}`).toHaveLength(1);
  }, 120_000);

  it('retries sends refused with NOT_READY while the database connections are cut, and stores each once', async () => {
    const c = await cluster(2);
    cleanup.push(() => c.close());
    const { clients, conversations } = await members(c, 6, cleanup);
    const sent = await burst(clients, conversations, 500);
    // Cut every connection the nodes hold, again after each 100 acks, until a send has been refused for it.
    for (let cut = 0; cut < 10 && (await c.errorCount('NOT_READY')) === 0; cut++) {
      const before = pending(clients);
      if (before === 0) break;
      await c.cutDatabase();
      await outboxesDownTo(clients, Math.max(0, before - 100));
    }
    expect(await c.errorCount('NOT_READY')).toBeGreaterThan(0);
    await expectConverged(c, clients, conversations, sent);
  }, 120_000);

  it('marks the users of a node killed with kill -9 offline on the other nodes, once their connections lapse', async () => {
    const c = await cluster(2, { env: { CHAT4ALL_CONNECTION_TTL_MS: '1000', CHAT4ALL_OFFLINE_GRACE_MS: '200' } });
    cleanup.push(() => c.close());
    const [ana, bob] = [await userToken(c.url, 'ana'), await userToken(c.url, 'bob')];
    await group(c.url, 'ana', ['ana', 'bob']);
    const onDoomed = client(c.nodeUrl(0), ana);
    const watcher = client(c.nodeUrl(1), bob);
    for (const each of [onDoomed, watcher]) cleanup.push(() => each.close());
    await Promise.all([onDoomed.connect(), watcher.connect()]);
    await until(watcher.presence('ana'), (p) => p.status === 'online');
    c.kill(0);
    // Nobody closed ana's socket: the other node learns she is gone when it stops being renewed.
    const offline = await until(watcher.presence('ana'), (p) => p.status === 'offline');
    expect(offline.lastSeenAt).not.toBeNull();
  }, 30_000);
});
