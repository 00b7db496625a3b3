import type { ConversationPage, UserPage } from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay } from './fixtures.js';

describe('the user directory', () => {
  let relay: RunningRelay;
  afterAll(() => relay?.close());

  it('finds app users by name, a word of it or id, a page at a time, never a channel contact', async () => {
    relay = await startRelay({
      limits: { searchesPerMinute: 8 },
      channels: [{ id: 'tg', type: 'telegram', token: '123:ABC', secretToken: 's3cr3t', members: ['ana'], mode: 'webhook' }],
    });
    for (const [id, displayName] of [
      ['ana', 'Ana Lima'],
      ['bob', 'Bob Stone'],
      ['carla', 'Carla Anaya'],
      ['u_2', null],
    ] as const)
      expect((await relay.http('PUT', `/v1/users/${id}`, { as: API_KEY, body: displayName ? { displayName } : {} })).status).toBe(200);
    const contact = await relay.http('POST', '/v1/contacts', {
      as: API_KEY,
      body: { channelId: 'tg', externalId: '777', displayName: 'Ana Contact' },
    });
    expect(contact.status).toBe(201);
    const { token } = await relay.user('reader');
    const search = (query: string) => relay.http<UserPage>('GET', `/v1/users?${query}`, { as: token });

    // A name, a later word of it, an id; the contact named Ana is not in the directory.
    expect((await search('query=an')).body.users.map((u) => u.id)).toEqual(['ana', 'carla']);
    expect((await search('query=STONE')).body.users.map((u) => u.id)).toEqual(['bob']);
    const byId = (await search('query=u_')).body;
    expect(byId.users).toEqual([expect.objectContaining({ id: 'u_2', displayName: null, avatarUrl: null })]);
    // Users see what users see: no private metadata.
    expect(byId.users[0]).not.toHaveProperty('privateMetadata');

    // Everyone, by name, two at a time.
    const first = await search('limit=2');
    expect(first.body.users.map((u) => u.id)).toEqual(['ana', 'bob']);
    const second = await search(`limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.users.map((u) => u.id)).toEqual(['carla', 'reader']);
    const third = await search(`limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toEqual({ users: [expect.objectContaining({ id: 'u_2' })], nextCursor: null });

    // Bad input is refused with its code, and a user's searches are limited.
    expect(await search('cursor=not-ours')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((await search('limit=51')).status).toBe(400);
    expect((await search(`query=${'x'.repeat(101)}`)).status).toBe(400);
    // A NUL, in the query or in a cursor made by hand, is refused rather than reaching the database.
    expect(await search('query=a%00')).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const forged = Buffer.from(JSON.stringify(['a\u0000', 'x'])).toString('base64url');
    expect(await search(`cursor=${forged}`)).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    expect((await relay.http('GET', '/v1/users?query=an')).status).toBe(401);
    let status = 200;
    for (let n = 0; n < 10 && status === 200; n++) status = (await search('query=b')).status;
    expect(status).toBe(429);
    // The server API key is not limited.
    expect((await relay.http<UserPage>('GET', '/v1/users?query=b', { as: API_KEY })).body.users.map((u) => u.id)).toEqual(['bob']);
  });

  it('names the other member of a private conversation in the list, for its title and avatar', async () => {
    const ana = await relay.user('ana');
    const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: 'bob' },
    });
    const group = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', memberIds: ['bob'] },
    });
    const list = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: ana.token });
    const peerOf = (id: string) => list.body.conversations.find((c) => c.id === id)?.peerId;
    expect(peerOf(created.body.id)).toBe('bob');
    expect(peerOf(group.body.id)).toBeNull();
  });
});
