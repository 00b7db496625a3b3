import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay } from './fixtures.js';

/** Fields the docs say take `null` keep it as null: the validator must not coerce it to "" or 0 first. */
describe('null in request bodies', () => {
  let relay: RunningRelay;
  afterAll(() => relay?.close());

  it('clears a user’s name and picture, a group’s title and picture, and a conversation’s own retention', async () => {
    relay = await startRelay();
    const put = await relay.http('PUT', '/v1/users/nora', {
      as: API_KEY,
      body: { displayName: 'Nora', avatarUrl: 'https://a.example/n.png' },
    });
    expect(put.status).toBe(200);
    const cleared = await relay.http('PUT', '/v1/users/nora', { as: API_KEY, body: { displayName: null, avatarUrl: null } });
    expect(cleared.body).toMatchObject({ id: 'nora', displayName: null, avatarUrl: null });

    const group = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: 'nora', title: 'Book club', avatarUrl: 'https://a.example/g.png' },
    });
    const patched = await relay.http('PATCH', `/v1/conversations/${group.body.id}`, {
      as: API_KEY,
      body: { title: null, avatarUrl: null },
    });
    expect(patched.body).toMatchObject({ title: null, avatarUrl: null });

    const retention = `/v1/conversations/${group.body.id}/retention`;
    expect((await relay.http('PUT', retention, { as: API_KEY, body: { days: 0 } })).body).toMatchObject({ days: 0 });
    expect((await relay.http('PUT', retention, { as: API_KEY, body: { days: null } })).body).toMatchObject({ days: null });
    expect((await relay.http('GET', retention, { as: API_KEY })).body).toMatchObject({ days: null });
  });
});
