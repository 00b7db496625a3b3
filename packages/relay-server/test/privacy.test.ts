import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, sendText, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

describe('what other users learn', () => {
  it('private user metadata reaches the server API key only; both kinds are held to the metadata limit', async () => {
    await using relay = await startRelay({ limits: { metadataMaxBytes: 200 } });
    const ana = await relay.user();
    const eve = await relay.user();
    const put = await relay.http('PUT', `/v1/users/${ana.id}`, {
      as: API_KEY,
      body: { metadata: { team: 'sales' }, privateMetadata: { crmId: 'C-991', phone: '+5511999990000' } },
    });
    expect(put).toMatchObject({ status: 200, body: { metadata: { team: 'sales' }, privateMetadata: { crmId: 'C-991' } } });
    const seenByEve = await relay.http<Record<string, unknown>>('GET', `/v1/users/${ana.id}`, { as: eve.token });
    expect(seenByEve.body).toMatchObject({ id: ana.id, metadata: { team: 'sales' } });
    expect(seenByEve.body).not.toHaveProperty('privateMetadata');
    expect(JSON.stringify(seenByEve.body)).not.toContain('C-991');
    const own = await relay.http<Record<string, unknown>>('GET', '/v1/me', { as: ana.token });
    expect(own.body).not.toHaveProperty('privateMetadata');
    const server = await relay.http('GET', `/v1/users/${ana.id}`, { as: API_KEY });
    expect(server.body).toMatchObject({ privateMetadata: { crmId: 'C-991', phone: '+5511999990000' } });
    for (const field of ['metadata', 'privateMetadata']) {
      const tooBig = await relay.http('PUT', `/v1/users/${ana.id}`, { as: API_KEY, body: { [field]: { blob: 'x'.repeat(300) } } });
      expect(tooBig).toMatchObject({ status: 400, body: { code: 'METADATA_TOO_LARGE' } });
    }
  });

  describe.each([
    ['sqlite', () => ({})],
    [
      'postgres',
      () => {
        const schema = `privacy_${randomUUID().slice(0, 8)}`;
        schemas.push(schema);
        return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } };
      },
    ],
  ])('message ids (%s)', (_store, config) => {
    it('a non-member sending a stored id, and a removed member re-sending their own, get what any non-member send gets', async () => {
      await using relay = await startRelay(config());
      const [ana, bob, eve] = [await relay.user(), await relay.user(), await relay.user()];
      const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: ana.id, memberIds: [bob.id] },
      });
      const conversationId = created.body.id;
      const anaSocket = await relay.connect(ana.token);
      const bobSocket = await relay.connect(bob.token);
      const eveSocket = await relay.connect(eve.token);
      const stored = randomUUID();
      expect(await sendText(bobSocket, conversationId, 'hello', stored)).toMatchObject({ type: 'ack' });

      const guess = await sendText(eveSocket, conversationId, 'x', stored);
      const fresh = await sendText(eveSocket, conversationId, 'x', randomUUID());
      expect(guess).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
      expect(guess.type === 'error' && fresh.type === 'error' ? [guess.error.code, guess.error.message] : null).toEqual(
        fresh.type === 'error' ? [fresh.error.code, fresh.error.message] : 'fresh was accepted',
      );

      expect((await relay.http('DELETE', `/v1/conversations/${conversationId}/members/${bob.id}`, { as: API_KEY })).status).toBe(204);
      const again = await sendText(bobSocket, conversationId, 'hello', stored);
      expect(again).toMatchObject({ type: 'error', error: { code: 'CONVERSATION_NOT_FOUND' } });
      // Ana is not sent the old message again: the next message she gets is the one sent after.
      const after = await sendText(anaSocket, conversationId, 'after');
      expect(after).toMatchObject({ type: 'ack', result: { seq: 2 } });
      const seen = anaSocket.frames
        .filter((f) => f.type === 'message.created')
        .map((f) => (f.type === 'message.created' ? f.message.id : ''));
      expect(seen).toEqual([stored]);
    });
  });
});
