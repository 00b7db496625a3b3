import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, client, startRelay, userToken } from './relay.js';

describe('users through the client', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('loads a profile once into a store shared by every caller, finds people in the directory, and leaves an unknown user null', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const put = (id: string, displayName: string) =>
      fetch(`${relay.url}/v1/users/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName, avatarUrl: `https://avatars.example/${id}.png` }),
      });
    await userToken(relay.url, 'ana');
    await put('bea', 'Beatriz Souza');
    await put('bruno', 'Bruno Alves');
    const ana = client(relay.url, await userToken(relay.url, 'ana'));
    cleanup.push(() => ana.close());

    const bea = ana.users.get('bea');
    expect(ana.users.get('bea')).toBe(bea);
    expect(bea.getSnapshot()).toBeNull();
    const loaded = new Promise<void>((resolve) => {
      const stop = bea.subscribe(() => {
        stop();
        resolve();
      });
    });
    await loaded;
    expect(bea.getSnapshot()).toMatchObject({ id: 'bea', displayName: 'Beatriz Souza', avatarUrl: 'https://avatars.example/bea.png' });

    // A word of the name, any case; what the search found is what `get` holds.
    const page = await ana.users.search('ALVES');
    expect(page).toEqual({ users: [expect.objectContaining({ id: 'bruno' })], nextCursor: null });
    expect(ana.users.get('bruno').getSnapshot()).toMatchObject({ displayName: 'Bruno Alves' });
    const first = await ana.users.search('b', { limit: 1 });
    expect(first.users.map((u) => u.id)).toEqual(['bea']);
    const next = await ana.users.search('b', { limit: 1, cursor: first.nextCursor ?? '' });
    expect(next.users.map((u) => u.id)).toEqual(['bruno']);

    // Asked once: an unknown user's store stays null, and the same store is returned again.
    const ghost = ana.users.get('ghost');
    await expect(ana.users.search('', { cursor: 'not-one-of-ours' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(ghost.getSnapshot()).toBeNull();
    expect(ana.users.get('ghost')).toBe(ghost);
  });
});
