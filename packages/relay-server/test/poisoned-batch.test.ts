import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, readAllMessages, sendText, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: () => ({}),
  postgres: () => {
    const schema = `poison_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

async function group(relay: RunningRelay, ownerId: string, memberIds: string[] = []): Promise<string> {
  const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
    as: API_KEY,
    body: { type: 'group', createdBy: ownerId, memberIds },
  });
  return created.body.id;
}

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('text no store can hold (%s)', (store) => {
  it('refuses U+0000 and lone surrogates in every text field with BAD_REQUEST, over WebSocket and HTTP, and stores nothing', async () => {
    await using relay = await startRelay(STORES[store]());
    const user = await relay.user();
    const conversationId = await group(relay, user.id);
    const socket = await relay.connect(user.token);
    // Raw frames, so the escapes reach the relay exactly as an attacker would write them.
    const frames = [
      `{"type":"message.send","id":"a1","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"nul \\u0000 here"}}`,
      `{"type":"message.send","id":"a2","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"half \\ud83d pair"}}`,
      `{"type":"message.send","id":"a3","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"ok","metadata":{"k":"\\u0000"}}}`,
      `{"type":"message.send","id":"a4","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"ok","metadata":{"\\udc00":1}}}`,
    ];
    for (const [i, frame] of frames.entries()) {
      socket.send(frame);
      expect(await socket.reply(`a${i + 1}`)).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST', retryable: false } });
    }
    const bodies = [
      { path: `/v1/conversations/${conversationId}/messages`, method: 'POST', body: `{"id":"${randomUUID()}","text":"x\\u0000"}` },
      { path: `/v1/conversations/${conversationId}`, method: 'PATCH', body: '{"title":"t\\u0000"}' },
      { path: '/v1/conversations', method: 'POST', body: '{"type":"group","title":"\\ud800"}' },
    ];
    for (const { path, method, body } of bodies) {
      const response = await relay.http(method, path, { as: user.token, body });
      expect(response).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    }
    // A well-formed pair (an emoji) is text like any other.
    expect(await sendText(socket, conversationId, 'fine 😀')).toMatchObject({ type: 'ack', result: { seq: 1 } });
    const stored = await readAllMessages(relay.url, user.token, conversationId);
    expect(stored.map((m) => m.text)).toEqual(['fine 😀']);
    const conversation = await relay.http<{ title: string | null }>('GET', `/v1/conversations/${conversationId}`, { as: user.token });
    expect(conversation.body.title).toBeNull();
  });
});

describe('one bad input among other users’ sends (PostgreSQL)', () => {
  it('fails only the sender whose message the store refuses; everyone batched with it is stored and acked', async () => {
    const config = STORES.postgres();
    await using relay = await startRelay({ ...config, limits: { messagesPerMinute: 100_000, messageBurst: 10_000 } });
    // A row PostgreSQL itself refuses inside a batch, as it refused U+0000 before the edge checked it.
    const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`ALTER TABLE ${config.store.postgres.schema}.messages ADD CONSTRAINT refuse_poison CHECK (text <> 'poison')`);
    await sql.end();
    const users = await Promise.all(Array.from({ length: 10 }, () => relay.user()));
    const attacker = await relay.user();
    const conversationId = await group(
      relay,
      attacker.id,
      users.map((u) => u.id),
    );
    const sockets = await Promise.all(users.map((u) => relay.connect(u.token)));
    const attackerSocket = await relay.connect(attacker.token);

    const rounds = 20;
    const replies: Array<Promise<{ type: string }>> = [];
    const poisoned: Array<Promise<{ type: string; error?: { code: string } }>> = [];
    for (let round = 0; round < rounds; round++) {
      // Sent in one turn, so each poison shares its commit batch with ten other users' sends.
      for (const [i, socket] of sockets.entries()) replies.push(sendText(socket, conversationId, `u${i} r${round}`));
      poisoned.push(sendText(attackerSocket, conversationId, 'poison') as Promise<{ type: string; error?: { code: string } }>);
      attackerSocket.send(
        `{"type":"message.send","id":"bad${round}","conversationId":"${conversationId}","message":{"id":"${randomUUID()}","text":"\\u0000"}}`,
      );
    }
    const answered = await Promise.all(replies);
    expect(answered.filter((r) => r.type === 'ack')).toHaveLength(rounds * users.length);
    for (const reply of await Promise.all(poisoned)) expect(reply).toMatchObject({ type: 'error', error: { code: 'INTERNAL' } });
    for (let round = 0; round < rounds; round++)
      expect(await attackerSocket.reply(`bad${round}`)).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });

    const stored = await readAllMessages(relay.url, attacker.token, conversationId);
    expect(stored).toHaveLength(rounds * users.length);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.some((m) => m.text === 'poison')).toBe(false);
  });
});
