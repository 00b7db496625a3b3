import { randomUUID } from 'node:crypto';
import type { ConversationDetail, Message, SearchPage } from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: () => ({}),
  postgres: () => {
    const schema = `search_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

type Answer = SearchPage & { code?: string };

async function group(relay: RunningRelay, ownerId: string, memberIds: string[]): Promise<string> {
  const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
    as: API_KEY,
    body: { type: 'group', createdBy: ownerId, memberIds },
  });
  return created.body.id;
}

async function send(relay: RunningRelay, token: string, conversationId: string, text: string): Promise<string> {
  const id = randomUUID();
  const sent = await relay.http('POST', `/v1/conversations/${conversationId}/messages`, { as: token, body: { id, text } });
  expect(sent.status).toBe(201);
  return id;
}

const search = (relay: RunningRelay, token: string, params: Record<string, string>) =>
  relay.http<Answer>('GET', `/v1/search/messages?${new URLSearchParams(params)}`, { as: token });

const texts = (page: SearchPage) => page.results.map((r) => r.message.text);

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('message search (%s)', (store) => {
  it('finds only what the user may read now: not a group they left, not a deleted message, not others’ conversations', async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob, cid, eve] = [await relay.user(), await relay.user(), await relay.user(), await relay.user()];
    const shared = await group(relay, ana.id, [bob.id]);
    const left = await group(relay, ana.id, [bob.id]);
    const privateOfOthers = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: cid.id } })
    ).body.id;
    await send(relay, ana.token, shared, 'the launch code is blue');
    const deleted = await send(relay, ana.token, shared, 'the launch code was red');
    await send(relay, ana.token, left, 'the launch code after you left');
    await send(relay, ana.token, privateOfOthers, 'the launch code between ana and cid');
    expect((await relay.http('DELETE', `/v1/conversations/${shared}/messages/${deleted}`, { as: ana.token })).status).toBe(200);
    expect((await relay.http('DELETE', `/v1/conversations/${left}/members/${bob.id}`, { as: bob.token })).status).toBe(204);

    const bobs = await search(relay, bob.token, { q: 'launch code' });
    expect(bobs.status).toBe(200);
    expect(texts(bobs.body)).toEqual(['the launch code is blue']);
    for (const conversationId of [left, privateOfOthers])
      expect(texts((await search(relay, bob.token, { q: 'launch', conversationId })).body)).toEqual([]);
    expect((await search(relay, eve.token, { q: 'launch' })).body).toEqual({ results: [], nextCursor: null });
    expect(texts((await search(relay, cid.token, { q: 'launch' })).body)).toEqual(['the launch code between ana and cid']);
    expect(texts((await search(relay, ana.token, { q: 'launch' })).body)).toHaveLength(3);
    // The server API key searches as no one.
    expect((await relay.http<Answer>('GET', '/v1/search/messages?q=launch', { as: API_KEY })).status).toBe(403);
  });

  it('finds an edited message by its new text, with highlights, filters and pages', async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob] = [await relay.user(), await relay.user()];
    const a = await group(relay, ana.id, [bob.id]);
    const b = await group(relay, ana.id, [bob.id]);
    const edited = await send(relay, ana.token, a, 'Quarterly numbers draft');
    const patched = await relay.http<Message>('PATCH', `/v1/conversations/${a}/messages/${edited}`, {
      as: ana.token,
      body: { text: 'Revenue report, final' },
    });
    expect(patched.status).toBe(200);
    expect(texts((await search(relay, bob.token, { q: 'quarterly' })).body)).toEqual([]);
    const found = await search(relay, bob.token, { q: 'REPORT fin*' });
    expect(found.body.results).toEqual([
      {
        message: expect.objectContaining({ id: edited, text: 'Revenue report, final' }),
        highlights: [
          { start: 8, end: 14 },
          { start: 16, end: 21 },
        ],
      },
    ]);

    for (let i = 0; i < 5; i += 1) await send(relay, bob.token, b, `report number ${i}`);
    expect(texts((await search(relay, bob.token, { q: 'report', conversationId: a })).body)).toEqual(['Revenue report, final']);
    expect((await search(relay, ana.token, { q: 'report', senderId: bob.id })).body.results).toHaveLength(5);
    expect((await search(relay, ana.token, { q: 'report', hasFile: 'true' })).body.results).toEqual([]);
    expect((await search(relay, ana.token, { q: 'report', before: '2000-01-01T00:00:00Z' })).body.results).toEqual([]);
    expect((await search(relay, ana.token, { q: 'report', after: '2000-01-01T00:00:00Z' })).body.results).toHaveLength(6);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Answer } = await search(relay, ana.token, {
        q: 'report',
        limit: '4',
        ...(cursor ? { cursor } : {}),
      });
      expect(page.status).toBe(200);
      seen.push(...texts(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([
      'report number 4',
      'report number 3',
      'report number 2',
      'report number 1',
      'report number 0',
      'Revenue report, final',
    ]);
  });

  it('answers any text without a 500: index syntax is plain text, bad input a coded 400', async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob] = [await relay.user(), await relay.user()];
    const conv = await group(relay, ana.id, [bob.id]);
    await send(relay, ana.token, conv, 'NEAR the "door" (left) a:b & c | d !e');
    for (const q of [
      '"',
      '"door',
      'NEAR(door left)',
      'door NEAR/2 left',
      'a:b',
      'c & d',
      'c | d',
      '!e',
      '(left)',
      'door*',
      '*',
      "'",
      '\\',
      'AND OR NOT',
      'left -door',
      '^door',
      'door:*',
    ])
      expect((await search(relay, bob.token, { q })).status, q).toBeLessThan(500);
    expect(texts((await search(relay, bob.token, { q: 'NEAR(door left)' })).body)).toHaveLength(1);
    expect(texts((await search(relay, bob.token, { q: '"door' })).body)).toHaveLength(1);
    const bad: Array<Record<string, string>> = [
      { q: '' },
      { q: '   ' },
      { q: '"*&|!()' },
      { q: 'x'.repeat(201) },
      { q: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') },
      { q: 'door', cursor: 'not-a-cursor' },
      { q: 'door', cursor: Buffer.from('12:bad id!').toString('base64url') },
      { q: 'door', after: 'yesterday' },
      { q: 'door', after: '2030-01-02T00:00:00Z', before: '2030-01-01T00:00:00Z' },
      { q: 'door', limit: '0' },
      { q: 'door', limit: '51' },
      { q: 'door', conversationId: 'bad id' },
      { q: 'door', hasFile: 'maybe' },
      { q: 'door', unknown: '1' },
    ];
    for (const params of bad) {
      const answer = await search(relay, bob.token, params);
      expect([answer.status, answer.body.code], JSON.stringify(params)).toEqual([400, 'BAD_REQUEST']);
    }
    expect((await relay.http('GET', '/v1/search/messages')).status).toBe(401);
  });

  it('limits searches per user', async () => {
    await using relay = await startRelay({ ...STORES[store](), limits: { searchesPerMinute: 2 } });
    const ana = await relay.user();
    expect((await search(relay, ana.token, { q: 'a' })).status).toBe(200);
    expect((await search(relay, ana.token, { q: 'a' })).status).toBe(200);
    const refused = await search(relay, ana.token, { q: 'a' });
    expect([refused.status, refused.body.code]).toEqual([429, 'RATE_LIMITED']);
  });
});
