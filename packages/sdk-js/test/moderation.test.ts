import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat4AllError, type ChatMessage } from '../src/index.js';
import { API_KEY, bothStores, client, startRelay, userToken } from './relay.js';

const STORES = bothStores('moderation');

describe.each(Object.keys(STORES))('moderation through the client (%s)', (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('blocks, mutes, bans and reports, and a blocked member’s messages never reach the blocker’s client', async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
    cleanup.push(relay.remove, relay.close);
    const api = (method: string, path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const ana = client(relay.url, await userToken(relay.url, 'ana'));
    const bob = client(relay.url, await userToken(relay.url, 'bob'));
    cleanup.push(
      () => ana.close(),
      () => bob.close(),
    );
    await userToken(relay.url, 'cid');
    const room = (await api('POST', '/v1/conversations', { type: 'group', createdBy: 'ana', memberIds: ['bob', 'cid'] })).id;
    await ana.connect();

    expect(await ana.moderation.block('bob')).toMatchObject({ userId: 'bob' });
    expect((await ana.moderation.blocks()).map((b) => b.userId)).toEqual(['bob']);
    const seen = new Promise<ChatMessage | unknown>((resolve) => ana.once('message', resolve));
    await api('POST', `/v1/conversations/${room}/messages`, { id: randomUUID(), text: 'from bob', senderId: 'bob' });
    await api('POST', `/v1/conversations/${room}/messages`, { id: randomUUID(), text: 'from cid', senderId: 'cid' });
    expect(await seen).toMatchObject({ text: 'from cid' });
    await ana.moderation.unblock('bob');
    expect(await ana.moderation.blocks()).toEqual([]);

    const until = new Date(Date.now() + 60_000);
    expect(await ana.moderation.mute(room, 'cid', until)).toMatchObject({ kind: 'mute', until: until.toISOString() });
    expect(await ana.moderation.restrictions(room)).toHaveLength(1);
    await ana.moderation.unmute(room, 'cid');
    expect(await ana.moderation.ban(room, 'cid')).toMatchObject({ kind: 'ban', until: null });
    await ana.moderation.unban(room, 'cid');
    expect(await ana.moderation.restrictions(room)).toEqual([]);
    const refused = await bob.moderation.mute(room, 'ana').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Chat4AllError);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', status: 403 });

    const messageId = randomUUID();
    await api('POST', `/v1/conversations/${room}/messages`, { id: messageId, text: 'buy now', senderId: 'ana' });
    const report = await bob.moderation.report(room, messageId, 'spam', 'ads');
    expect(report).toMatchObject({ reporterId: 'bob', reason: 'spam', text: 'ads', status: 'open', message: { text: 'buy now' } });
    expect((await bob.moderation.report(room, messageId, 'other')).id).toBe(report.id);
  });
});
