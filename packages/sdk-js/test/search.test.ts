import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat4AllError } from '../src/index.js';
import { API_KEY, bothStores, client, startRelay, userToken } from './relay.js';

const STORES = bothStores('search');

describe.each(Object.keys(STORES))('search through the client (%s)', (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('finds what the user can read with highlights, filters (dates as Date) and pages, and refuses bad input with its code', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
    cleanup.push(relay.remove, relay.close);
    const api = (path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const ana = client(relay.url, await userToken(relay.url, 'ana'));
    cleanup.push(() => ana.close());
    for (const id of ['bob', 'cid']) await userToken(relay.url, id);
    const mine = (await api('/v1/conversations', { type: 'group', createdBy: 'bob', memberIds: ['ana'] })).id;
    const others = (await api('/v1/conversations', { type: 'group', createdBy: 'bob', memberIds: ['cid'] })).id;
    for (const text of ['Deploy tonight?', 'deployed: all green', 'lunch'])
      await api(`/v1/conversations/${mine}/messages`, { id: randomUUID(), text, senderId: 'bob' });
    await api(`/v1/conversations/${others}/messages`, { id: randomUUID(), text: 'deploy secrets', senderId: 'bob' });

    const first = await ana.search('deploy*', { limit: 1, conversationId: undefined, after: new Date(Date.now() - 60_000) });
    expect(first.results).toEqual([
      { message: expect.objectContaining({ text: 'deployed: all green' }), highlights: [{ start: 0, end: 8 }] },
    ]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await ana.search('deploy*', { limit: 1, cursor: first.nextCursor ?? '', after: new Date(Date.now() - 60_000) });
    expect(second.results.map((r) => r.message.text)).toEqual(['Deploy tonight?']);
    expect(second.nextCursor).toBeNull();
    expect((await ana.search('deploy', { senderId: 'ana' })).results).toEqual([]);
    expect((await ana.search('deploy', { hasFile: false, before: new Date() })).results).toHaveLength(1);

    const refused = await ana.search('"()&|').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Chat4AllError);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
  });
});
