import { afterEach, describe, expect, it } from 'vitest';
import { Chat4AllError } from '../src/index.js';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

describe('pinned messages', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('pins and unpins, keeps each member’s pins live, drops a lapsed pin and a deleted message’s, and refuses plain members', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const [annToken, boToken, cyToken] = [
      await userToken(relay.url, 'ann'),
      await userToken(relay.url, 'bo'),
      await userToken(relay.url, 'cy'),
    ];
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'ann', memberIds: ['bo'] }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const ann = client(relay.url, annToken);
    const bo = client(relay.url, boToken);
    cleanup.push(
      () => ann.close(),
      () => bo.close(),
    );
    await Promise.all([ann.connect(), bo.connect()]);
    const first = await ann.send(conversationId, 'first');
    const second = await ann.send(conversationId, 'second');
    await until(ann.messages(conversationId), (m) => m.filter((x) => x.status === 'sent').length === 2);

    const boPins = bo.pins(conversationId);
    const annPins = ann.pins(conversationId);
    const pin = await ann.pin(conversationId, first.id);
    expect(pin).toMatchObject({ conversationId, messageId: first.id, pinnedBy: 'ann', expiresAt: null, message: { text: 'first' } });
    expect(await until(boPins, (p) => p.length === 1)).toEqual([pin]);
    await until(annPins, (p) => p.length === 1);
    const stable = boPins.getSnapshot();
    await ann.send(conversationId, 'not pinned');
    await until(bo.messages(conversationId), (m) => m.length === 3);
    expect(boPins.getSnapshot()).toBe(stable);

    // A pin that lapses leaves without a frame, newest first until then.
    await ann.pin(conversationId, second.id, { until: new Date(Date.now() + 1200).toISOString() });
    expect((await until(boPins, (p) => p.length === 2)).map((p) => p.messageId)).toEqual([second.id, first.id]);
    expect((await until(boPins, (p) => p.length === 1)).map((p) => p.messageId)).toEqual([first.id]);

    // A member who is not an admin cannot pin; the error says why.
    const refused = await bo.pin(conversationId, second.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Chat4AllError);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });

    // A client that comes later loads the pins from the relay.
    const cy = client(relay.url, cyToken);
    cleanup.push(() => cy.close());
    await ann.addMembers(conversationId, ['cy']);
    await cy.connect();
    expect((await until(cy.pins(conversationId), (p) => p.length === 1))[0]).toMatchObject({ messageId: first.id, pinnedBy: 'ann' });

    await ann.unpin(conversationId, first.id);
    await until(boPins, (p) => p.length === 0);
    await ann.pin(conversationId, second.id);
    await until(boPins, (p) => p.length === 1);
    await ann.delete(conversationId, second.id);
    await until(boPins, (p) => p.length === 0);
    await until(cy.pins(conversationId), (p) => p.length === 0);
  });
});
