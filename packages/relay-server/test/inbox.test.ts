import { randomUUID } from 'node:crypto';
import type { ConversationDetail, ConversationPage, ConversationSettings, ServerFrame, UnreadTotal } from '@chat4all/protocol';
import { MUTED_FOREVER } from '@chat4all/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, sendText, startRelay, type TestSocket, twoNodes } from './fixtures.js';
import { Replica } from './replica.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: () => ({}),
  postgres: () => {
    const schema = `inbox_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

const DEFAULTS: ConversationSettings = { mutedUntil: null, archived: false, pinnedAt: null, markedUnread: false };
const isSettings = (f: ServerFrame): f is Extract<ServerFrame, { type: 'conversation.settings' }> => f.type === 'conversation.settings';

async function group(relay: RunningRelay, ownerId: string, memberIds: string[]): Promise<string> {
  const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
    as: API_KEY,
    body: { type: 'group', createdBy: ownerId, memberIds },
  });
  return created.body.id;
}

const settings = (relay: RunningRelay, token: string, conversationId: string, body: unknown) =>
  relay.http<ConversationSettings & { code?: string }>('PATCH', `/v1/conversations/${conversationId}/settings`, { as: token, body });

/** Waits until `socket` has the message, then says whether any settings frame reached it before. */
async function sawSettingsBefore(socket: TestSocket, messageId: string): Promise<boolean> {
  await socket.waitFor((f) => f.type === 'message.created' && f.message.id === messageId);
  return socket.frames.some(isSettings);
}

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)("a user's own view of their inbox (%s)", (store) => {
  it("syncs settings to the user's devices live and never to other members; the list shows and orders them", async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const first = await group(relay, ana.id, [bob.id, cid.id]);
    const second = await group(relay, bob.id, [ana.id, cid.id]);
    const [phone, laptop, bobSocket, cidSocket] = await Promise.all([
      relay.connect(ana.token),
      relay.connect(ana.token),
      relay.connect(bob.token),
      relay.connect(cid.token),
    ]);

    const until = new Date(Date.now() + 3_600_000).toISOString();
    const muted = await settings(relay, ana.token, first, { mutedUntil: until, pinned: true });
    expect(muted.status).toBe(200);
    expect(muted.body).toEqual({ mutedUntil: until, archived: false, pinnedAt: expect.any(String), markedUnread: false });
    for (const device of [phone, laptop])
      expect(await device.waitFor(isSettings)).toEqual({
        type: 'conversation.settings',
        conversationId: first,
        settings: muted.body,
        eventSeq: expect.any(Number),
      });
    // Events of a conversation keep their order on the way: by the time ana's next message arrives, a settings frame would have.
    const probe = randomUUID();
    await sendText(phone, first, 'after', probe);
    expect(await sawSettingsBefore(bobSocket, probe)).toBe(false);
    expect(await sawSettingsBefore(cidSocket, probe)).toBe(false);

    // Ana's list: her settings, pinned first although the other conversation is newer; bob's list: none of hers.
    await sendText(bobSocket, second, 'newer');
    const anaList = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: ana.token });
    expect(anaList.body.conversations.map((c) => [c.id, c.settings.pinnedAt !== null])).toEqual([
      [first, true],
      [second, false],
    ]);
    expect(anaList.body.conversations[0]?.settings).toEqual(muted.body);
    const bobList = await relay.http<ConversationPage>('GET', '/v1/conversations', { as: bob.token });
    expect(bobList.body.conversations.map((c) => [c.id, c.settings])).toEqual([
      [second, DEFAULTS],
      [first, DEFAULTS],
    ]);
    expect((await relay.http('GET', `/v1/conversations/${first}/settings`, { as: bob.token })).body).toEqual(DEFAULTS);
    expect((await relay.http('GET', `/v1/conversations/${first}/settings`, { as: ana.token })).body).toEqual(muted.body);

    // Paged one at a time, the pinned one first and then the rest, each once.
    const page1 = await relay.http<ConversationPage>('GET', '/v1/conversations?limit=1', { as: ana.token });
    const page2 = await relay.http<ConversationPage>('GET', `/v1/conversations?limit=1&cursor=${page1.body.nextCursor}`, { as: ana.token });
    const page3 = await relay.http<ConversationPage>('GET', `/v1/conversations?limit=1&cursor=${page2.body.nextCursor}`, { as: ana.token });
    expect([...page1.body.conversations, ...page2.body.conversations].map((c) => c.id)).toEqual([first, second]);
    expect(page3.body.conversations).toEqual([]);

    // Archive: out of the main list, in the archive; a new message leaves it there. Archiving unpins.
    const archived = await settings(relay, ana.token, second, { archived: true });
    expect(archived.body).toMatchObject({ archived: true, pinnedAt: null });
    await sendText(bobSocket, second, 'still archived');
    const main = await relay.http<ConversationPage>('GET', '/v1/conversations?archived=false', { as: ana.token });
    const archive = await relay.http<ConversationPage>('GET', '/v1/conversations?archived=true', { as: ana.token });
    expect(main.body.conversations.map((c) => c.id)).toEqual([first]);
    expect(archive.body.conversations.map((c) => [c.id, c.settings.archived])).toEqual([[second, true]]);

    // Marked unread on the phone, cleared by a read on the laptop: both devices hear both.
    const marked = await settings(relay, ana.token, second, { markedUnread: true });
    const seen = await Promise.all(
      [phone, laptop].map((device) =>
        device.waitFor((f) => isSettings(f) && f.settings.markedUnread).then((f) => device.frames.indexOf(f)),
      ),
    );
    expect(marked.body).toMatchObject({ archived: true, markedUnread: true });
    const readTo = archive.body.conversations[0]?.lastSeq ?? 0;
    expect(await laptop.request({ type: 'receipt', conversationId: second, kind: 'read', seq: readTo })).toMatchObject({ type: 'ack' });
    for (const [i, device] of [phone, laptop].entries())
      await device.waitFor(
        (f) => device.frames.indexOf(f) > (seen[i] ?? 0) && isSettings(f) && !f.settings.markedUnread && f.settings.archived,
      );
    // Reading again, with nothing marked, changes nothing.
    const before = (await relay.http<ConversationDetail>('GET', `/v1/conversations/${second}`, { as: ana.token })).body.lastEventSeq;
    await laptop.request({ type: 'receipt', conversationId: second, kind: 'read', seq: readTo });
    expect((await relay.http<ConversationDetail>('GET', `/v1/conversations/${second}`, { as: ana.token })).body.lastEventSeq).toBe(before);
    expect(bobSocket.frames.some(isSettings) || cidSocket.frames.some(isSettings)).toBe(false);
  });

  it('replays the current settings on resume to their user only, gap-free', async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob] = [await relay.user(), await relay.user()];
    const conversationId = await group(relay, ana.id, [bob.id]);
    const [anaTablet, bobPhone] = [new Replica(relay, ana.token), new Replica(relay, bob.token)];
    await anaTablet.connect();
    await bobPhone.connect();
    anaTablet.disconnect();
    bobPhone.disconnect();

    // While both are away: ana mutes, pins, then unpins; bob writes.
    await settings(relay, ana.token, conversationId, { mutedUntil: MUTED_FOREVER, pinned: true });
    await settings(relay, ana.token, conversationId, { pinned: false, markedUnread: true });
    await relay.http('POST', `/v1/conversations/${conversationId}/messages`, { as: bob.token, body: { id: randomUUID(), text: 'hi' } });

    await anaTablet.connect();
    const anaFrames = anaTablet.socket?.frames ?? [];
    const replayed = anaFrames.filter(isSettings);
    expect(replayed).toHaveLength(1);
    expect(replayed[0]?.settings).toEqual({ mutedUntil: MUTED_FOREVER, archived: false, pinnedAt: null, markedUnread: true });
    const detail = (await relay.http<ConversationDetail>('GET', `/v1/conversations/${conversationId}`, { as: ana.token })).body;
    expect(anaTablet.cursors()[conversationId]).toEqual([detail.lastSeq, detail.lastEventSeq]);

    // Bob gets bob's message and nothing of ana's settings: to him the event seq only moved on.
    await bobPhone.connect();
    expect(bobPhone.socket?.frames.some(isSettings)).toBe(false);
    expect(bobPhone.cursors()[conversationId]?.[0]).toBe(detail.lastSeq);
    expect(bobPhone.duplicates).toBe(0);

    // A device that never knew the conversation gets it with ana's settings.
    const fresh = new Replica(relay, ana.token);
    await fresh.connect();
    expect(fresh.settings.get(conversationId)).toMatchObject({ mutedUntil: MUTED_FOREVER, markedUnread: true });
    fresh.disconnect();
    anaTablet.disconnect();
    bobPhone.disconnect();
  });

  it('totals unread messages and conversations, leaving muted and archived ones out and counting marked ones', async () => {
    await using relay = await startRelay(STORES[store]());
    const [ana, bob] = [await relay.user(), await relay.user()];
    const ids = [await group(relay, bob.id, [ana.id]), await group(relay, bob.id, [ana.id]), await group(relay, bob.id, [ana.id])];
    const quiet = await group(relay, bob.id, [ana.id]);
    for (const id of [...ids, quiet])
      for (let i = 0; i < 2; i++)
        await relay.http('POST', `/v1/conversations/${id}/messages`, { as: bob.token, body: { id: randomUUID(), text: `m${i}` } });
    const total = async () => (await relay.http<UnreadTotal>('GET', '/v1/me/unread', { as: ana.token })).body;
    expect(await total()).toEqual({ messages: 8, conversations: 4 });
    await settings(relay, ana.token, ids[0] as string, { mutedUntil: MUTED_FOREVER });
    await settings(relay, ana.token, ids[1] as string, { archived: true });
    expect(await total()).toEqual({ messages: 4, conversations: 2 });
    // Read to the end, then marked unread: no unread message, one unread conversation.
    const socket = await relay.connect(ana.token);
    await socket.request({ type: 'receipt', conversationId: quiet, kind: 'read', seq: 2 });
    await settings(relay, ana.token, quiet, { markedUnread: true });
    expect(await total()).toEqual({ messages: 2, conversations: 2 });
    await settings(relay, ana.token, ids[0] as string, { mutedUntil: null });
    expect(await total()).toEqual({ messages: 4, conversations: 3 });
    expect((await relay.http<UnreadTotal>('GET', '/v1/me/unread', { as: bob.token })).body).toEqual({ messages: 0, conversations: 0 });
  });

  it('refuses non-members, bad values, too many pins and too many changes with coded errors', async () => {
    await using relay = await startRelay({ ...STORES[store](), limits: { pinnedConversations: 1, settingsPerMinute: 12 } });
    const [ana, eve] = [await relay.user(), await relay.user()];
    const [one, two] = [await group(relay, ana.id, []), await group(relay, ana.id, [])];
    const cases: Array<[string, unknown, number, string]> = [
      [one, { mutedUntil: new Date(Date.now() - 1000).toISOString() }, 400, 'BAD_REQUEST'],
      [one, { mutedUntil: 'tomorrow' }, 400, 'BAD_REQUEST'],
      [one, { mutedUntil: '10000-01-01T00:00:00.000Z' }, 400, 'BAD_REQUEST'],
      [one, {}, 400, 'BAD_REQUEST'],
      [one, { archived: 'yes' }, 400, 'BAD_REQUEST'],
      [one, { role: 'owner' }, 400, 'BAD_REQUEST'],
      [one, { archived: true, pinned: true }, 400, 'BAD_REQUEST'],
      [one, { archived: true, junk: 'x'.repeat(2_000_000) }, 413, 'PAYLOAD_TOO_LARGE'],
      ['bad%20id', { archived: true }, 400, 'BAD_REQUEST'],
      ['missing-conversation', { archived: true }, 404, 'CONVERSATION_NOT_FOUND'],
    ];
    for (const [id, body, status, code] of cases) {
      const answer = await relay.http<{ code: string }>('PATCH', `/v1/conversations/${id}/settings`, { as: ana.token, body });
      expect([id, body && JSON.stringify(body).slice(0, 60), answer.status, answer.body.code]).toEqual([
        id,
        body && JSON.stringify(body).slice(0, 60),
        status,
        code,
      ]);
    }
    // A non-member learns nothing, as for a conversation that does not exist; the server API key has no inbox.
    expect(await settings(relay, eve.token, one, { archived: true })).toMatchObject({
      status: 404,
      body: { code: 'CONVERSATION_NOT_FOUND' },
    });
    expect(await relay.http('GET', `/v1/conversations/${one}/settings`, { as: eve.token })).toMatchObject({ status: 404 });
    expect((await settings(relay, API_KEY, one, { archived: true })).status).toBe(403);
    expect((await relay.http('GET', '/v1/me/unread')).status).toBe(401);
    expect(await settings(relay, ana.token, one, { pinned: true })).toMatchObject({ status: 200 });
    expect(await settings(relay, ana.token, two, { pinned: true })).toMatchObject({
      status: 409,
      body: { code: 'TOO_MANY_PINNED_CONVERSATIONS' },
    });
    expect((await relay.http('GET', `/v1/conversations/${one}/settings`, { as: ana.token })).body).toMatchObject({ archived: false });
    let limited: { status: number; body: { code?: string } } | undefined;
    for (let i = 0; i < 20 && !limited; i++) {
      const answer = await settings(relay, ana.token, one, { markedUnread: i % 2 === 0 });
      if (answer.status !== 200) limited = answer;
    }
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });
});

describe('inbox settings across relay nodes', () => {
  it("reach the user's sockets on every node and no one else's", async () => {
    const nodes = await twoNodes();
    try {
      const [ana, bob] = [await nodes.a.user(), await nodes.a.user()];
      const conversationId = await group(nodes.a, ana.id, [bob.id]);
      const [onA, onB, bobOnB] = [await nodes.a.connect(ana.token), await nodes.b.connect(ana.token), await nodes.b.connect(bob.token)];
      const changed = await settings(nodes.a, ana.token, conversationId, { archived: true });
      expect((await onA.waitFor(isSettings)).settings).toEqual(changed.body);
      expect((await onB.waitFor(isSettings)).settings).toEqual(changed.body);
      const probe = randomUUID();
      await sendText(onA, conversationId, 'probe', probe);
      expect(await sawSettingsBefore(bobOnB, probe)).toBe(false);
    } finally {
      await nodes.close();
    }
  });
});
