import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Chat4AllError, MUTED_FOREVER } from '../src/index.js';
import { API_KEY, bothStores, client, startRelay, until, userToken } from './relay.js';

const STORES = bothStores('inbox');

describe.each(Object.keys(STORES))("the user's inbox through the client (%s)", (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("syncs mute, pin, archive and marks between the user's devices, keeps them from other members, and totals every conversation", async () => {
    const relay = await startRelay({ config: STORES[store]?.() ?? {} });
    cleanup.push(relay.remove, relay.close);
    const open = async (userId: string) => {
      const c = client(relay.url, await userToken(relay.url, userId));
      cleanup.push(() => c.close());
      await c.connect();
      return c;
    };
    const [phone, laptop, bob] = [await open('ana'), await open('ana'), await open('bob')];
    // More conversations than the list's first page of 100: the total still counts them all.
    const api = (path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ id: string }>);
    const ids: string[] = [];
    for (let i = 0; i < 105; i++) ids.push((await api('/v1/conversations', { type: 'group', createdBy: 'bob', memberIds: ['ana'] })).id);
    for (const id of ids) await api(`/v1/conversations/${id}/messages`, { id: randomUUID(), text: 'hi', senderId: 'bob' });
    // The newest three, which the list's first page holds.
    const [first, second, third] = [ids[104] as string, ids[103] as string, ids[102] as string];
    await until(laptop.inbox.totals, (t) => t.messages === 105 && t.conversations === 105);
    expect(laptop.conversations.getSnapshot()).toHaveLength(100);

    const muted = await phone.inbox.update(first, { mutedUntil: MUTED_FOREVER });
    expect(muted.mutedUntil).toBe(MUTED_FOREVER);
    await phone.inbox.update(second, { pinned: true });
    await until(
      laptop.conversations,
      (list) => list[0]?.id === second && list.some((c) => c.id === first && c.settings.mutedUntil !== null),
    );
    await until(laptop.inbox.totals, (t) => t.messages === 104 && t.conversations === 104);
    expect(laptop.unreadTotal.getSnapshot()).toBe(104);

    await laptop.inbox.update(second, { archived: true });
    const seen = await until(phone.conversations, (list) => list.some((c) => c.id === second && c.settings.archived));
    expect(seen.find((c) => c.id === second)?.settings.pinnedAt).toBeNull();
    await until(phone.inbox.totals, (t) => t.messages === 103);

    await phone.markRead(third);
    await phone.inbox.update(third, { markedUnread: true });
    await until(laptop.conversations, (list) => list.some((c) => c.id === third && c.settings.markedUnread));
    await until(laptop.inbox.totals, (t) => t.messages === 102 && t.conversations === 103);
    await laptop.markRead(third);
    await until(phone.conversations, (list) => list.some((c) => c.id === third && !c.settings.markedUnread));
    await until(phone.inbox.totals, (t) => t.messages === 102 && t.conversations === 102);

    // Bob's list shows none of it.
    const bobsList = await until(bob.conversations, (list) => list.length === 100);
    expect(bobsList.every((c) => c.settings.mutedUntil === null && c.settings.pinnedAt === null && !c.settings.archived)).toBe(true);

    // A device signing in later finds the same inbox.
    const tablet = await open('ana');
    const list = await until(tablet.conversations, (l) => l.length === 100);
    expect(list.find((c) => c.id === first)?.settings.mutedUntil).toBe(MUTED_FOREVER);
    await until(tablet.inbox.totals, (t) => t.messages === 102);

    await expect(phone.inbox.update(first, { mutedUntil: new Date(Date.now() - 1000).toISOString() })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const error = await phone.inbox.update('not-a-conversation', { pinned: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Chat4AllError);
    expect(error).toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  });
});
