import { randomBytes, randomUUID } from 'node:crypto';
import type { ConversationDetail, Presence, ServerFrame } from '@chat4all/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/index.js';
import { deleteKeys, dropSchemas, POSTGRES_URL, REDIS_URL, type RunningRelay, startRelay } from './fixtures.js';

const schemas: string[] = [];
const prefixes: string[] = [];

/** Two relay nodes of one deployment: one PostgreSQL schema, one Redis key prefix. */
async function twoNodes(overrides: RelayConfigInput = {}): Promise<[RunningRelay, RunningRelay]> {
  const schema = `shared_${randomBytes(6).toString('hex')}`;
  const keyPrefix = `test:${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  prefixes.push(keyPrefix);
  const config: RelayConfigInput = {
    ...overrides,
    store: { driver: 'postgres', migrateOnStart: true, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } },
    bus: { driver: 'redis', redis: { url: REDIS_URL, keyPrefix, partitions: 2 } },
  };
  const first = await startRelay(config);
  try {
    return [first, await startRelay(config)];
  } catch (error) {
    await first.close();
    throw error;
  }
}

const presenceOf = (userId: string, status: Presence['status']) => (f: ServerFrame) =>
  f.type === 'presence' && f.userId === userId && f.status === status;

describe('state shared by relay nodes', () => {
  let nodes: RunningRelay[] = [];
  beforeEach(() => {
    nodes = [];
  });
  afterEach(async () => {
    for (const node of nodes) await node.close();
  });
  afterAll(async () => {
    await dropSchemas(schemas);
    for (const prefix of prefixes) await deleteKeys(prefix);
  });

  it('holds a user’s send limit and connection limit across nodes', async () => {
    nodes = await twoNodes({ limits: { messagesPerMinute: 60, messageBurst: 2, connectionsPerUser: 2 } });
    const [a, b] = nodes as [RunningRelay, RunningRelay];
    const [ana, bob] = [await a.user(), await a.user()];
    const { body: conversation } = await a.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const onA = await a.connect(ana.token);
    const onB = await b.connect(ana.token);
    const third = await b.connect(ana.token).catch((error: Error) => error);
    expect(third).toBeInstanceOf(Error);
    expect(String(third)).toContain('TOO_MANY_CONNECTIONS');

    const send = (socket: typeof onA) =>
      socket.request({ type: 'message.send', conversationId: conversation.id, message: { id: randomUUID(), text: 'hi' } });
    expect((await send(onA)).type).toBe('ack');
    expect((await send(onB)).type).toBe('ack');
    const refused = await send(onA);
    expect(refused).toMatchObject({ type: 'error', error: { code: 'RATE_LIMITED' } });
  });

  it('shows a user online on every node while any node holds a socket, and offline once the last closes', async () => {
    nodes = await twoNodes({ realtime: { offlineGraceMs: 100 } });
    const [a, b] = nodes as [RunningRelay, RunningRelay];
    const [ana, bob] = [await a.user(), await a.user()];
    await a.http('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } });
    const bobOnB = await b.connect(bob.token);
    await bobOnB.request({ type: 'presence.subscribe', userIds: [ana.id] });
    const anaOnA = await a.connect(ana.token);
    await bobOnB.waitFor(presenceOf(ana.id, 'online'));
    const fromB = await b.http<{ presence: Presence[] }>('GET', `/v1/presence?userIds=${ana.id}`, { as: bob.token });
    expect(fromB.body.presence).toEqual([{ userId: ana.id, status: 'online', lastSeenAt: expect.any(String) }]);

    const anaOnB = await b.connect(ana.token);
    anaOnA.close();
    await anaOnA.closed;
    // The socket on node A is gone; node B still holds one, so ana stays online everywhere.
    const stillOnline = await a.http<{ presence: Presence[] }>('GET', `/v1/presence?userIds=${ana.id}`, { as: bob.token });
    expect(stillOnline.body.presence[0]?.status).toBe('online');
    anaOnB.close();
    await bobOnB.waitFor(presenceOf(ana.id, 'offline'));
    const statuses = bobOnB.frames
      .filter((f) => f.type === 'presence' && f.userId === ana.id)
      .map((f) => f.type === 'presence' && f.status);
    expect(statuses).toEqual(['online', 'offline']);
    const fromA = await a.http<{ presence: Presence[] }>('GET', `/v1/presence?userIds=${ana.id}`, { as: bob.token });
    expect(fromA.body.presence[0]?.status).toBe('offline');
  });

  it('ends a typing indicator started on another node once, when it expires', async () => {
    nodes = await twoNodes({ realtime: { typingExpiryMs: 300 } });
    const [a, b] = nodes as [RunningRelay, RunningRelay];
    const [ana, bob] = [await a.user(), await a.user()];
    const { body: conversation } = await a.http<ConversationDetail>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const bobOnB = await b.connect(bob.token);
    const anaOnA = await a.connect(ana.token);
    const anaOnB = await b.connect(ana.token);
    expect((await anaOnA.request({ type: 'typing', conversationId: conversation.id, active: true })).type).toBe('ack');
    expect((await anaOnB.request({ type: 'typing', conversationId: conversation.id, active: true })).type).toBe('ack');
    const typing = (active: boolean) => (f: ServerFrame) => f.type === 'typing' && f.userId === ana.id && f.active === active;
    await bobOnB.waitFor(typing(false));
    // A renewal from her own client with a fresh message: once it is here, every earlier event is too.
    const marker = await anaOnB.request({
      type: 'message.send',
      conversationId: conversation.id,
      message: { id: randomUUID(), text: 'x' },
    });
    expect(marker.type).toBe('ack');
    await bobOnB.waitFor((f) => f.type === 'message.created');
    expect(bobOnB.frames.filter(typing(true))).toHaveLength(1);
    expect(bobOnB.frames.filter(typing(false))).toHaveLength(1);
  });
});
