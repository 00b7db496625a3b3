import { randomUUID } from 'node:crypto';
import { TelegramConnector } from '@chat4all/connectors';
import { type FakeTelegram, fakeTelegram } from '@chat4all/connectors/testing';
import type { BlockList, ConversationDetail, MemberRestrictionList, Message, Report, ReportPage, ServerFrame } from '@chat4all/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import webPush from 'web-push';
import type { RelayConfigInput } from '../src/config.js';
import { FakePushService } from './fake-push-service.js';
import { API_KEY, appReceiver, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, type TestSocket, twoNodes } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: (): RelayConfigInput => ({}),
  postgres: (): RelayConfigInput => {
    const schema = `safety_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

type User = { id: string; token: string };
type Answer<T = unknown> = { status: number; body: T & { code?: string; details?: unknown } };

const isMessage = (f: ServerFrame): f is Extract<ServerFrame, { type: 'message.created' }> => f.type === 'message.created';

/** The next `message.created` the socket gets. */
async function nextMessage(socket: TestSocket): Promise<Message> {
  for (;;) {
    const frame = await socket.next();
    if (isMessage(frame)) return frame.message;
  }
}

const nextText = async (socket: TestSocket) => (await nextMessage(socket)).text;

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('safety (%s)', (store) => {
  let relay: RunningRelay;
  afterEach(async () => {
    await relay?.close();
  });

  const start = async (config: RelayConfigInput = {}) => {
    relay = await startRelay({ ...STORES[store](), ...config });
  };
  const call = <T = unknown>(method: string, path: string, as: string, body?: unknown) =>
    relay.http<T>(method, path, { as, body }) as Promise<Answer<T>>;
  const say = (as: User, conversationId: string, text: string) =>
    call<{ seq: number }>('POST', `/v1/conversations/${conversationId}/messages`, as.token, { id: randomUUID(), text });
  const group = async (owner: User, members: User[]) =>
    (await call<ConversationDetail>('POST', '/v1/conversations', owner.token, { type: 'group', memberIds: members.map((m) => m.id) })).body
      .id;

  it('a blocked user cannot open or write in a private conversation with the blocker, and the block is the blocker’s alone', async () => {
    await start();
    const [ana, bob] = [await relay.user(), await relay.user()];
    const pair = await call<ConversationDetail>('POST', '/v1/conversations', bob.token, { type: 'private', userId: ana.id });
    expect(pair.status).toBe(201);
    expect((await say(bob, pair.body.id, 'before')).status).toBe(201);

    const blocked = await call('PUT', `/v1/me/blocks/${bob.id}`, ana.token);
    expect(blocked).toMatchObject({ status: 201, body: { userId: bob.id, createdAt: expect.any(String) } });
    expect((await call('PUT', `/v1/me/blocks/${bob.id}`, ana.token)).status).toBe(200);
    expect((await call<BlockList>('GET', '/v1/me/blocks', ana.token)).body.blocks.map((b) => b.userId)).toEqual([bob.id]);
    // The blocked one never sees the blocker's list.
    expect((await call<BlockList>('GET', '/v1/me/blocks', bob.token)).body.blocks).toEqual([]);

    expect(await say(bob, pair.body.id, 'let me in')).toMatchObject({ status: 403, body: { code: 'BLOCKED' } });
    const socket = await relay.connect(bob.token);
    const frame = await socket.request({ type: 'message.send', conversationId: pair.body.id, message: { id: randomUUID(), text: 'ws' } });
    expect(frame).toMatchObject({ type: 'error', error: { code: 'BLOCKED' } });
    // Opening it again is refused to the blocked one; the blocker may open it but not write until they unblock.
    expect(await call('POST', '/v1/conversations', bob.token, { type: 'private', userId: ana.id })).toMatchObject({
      status: 403,
      body: { code: 'BLOCKED' },
    });
    expect((await call('POST', '/v1/conversations', ana.token, { type: 'private', userId: bob.id })).status).toBe(200);
    expect(await say(ana, pair.body.id, 'hm')).toMatchObject({ status: 403, body: { code: 'BLOCKED' } });
    // The server API key sending as the blocked one is refused the same way.
    expect(
      await call('POST', `/v1/conversations/${pair.body.id}/messages`, API_KEY, { id: randomUUID(), text: 'x', senderId: bob.id }),
    ).toMatchObject({ status: 403, body: { code: 'BLOCKED' } });

    expect((await call('DELETE', `/v1/me/blocks/${bob.id}`, ana.token)).status).toBe(204);
    expect((await call('DELETE', `/v1/me/blocks/${bob.id}`, ana.token)).status).toBe(204);
    expect((await say(bob, pair.body.id, 'friends again')).status).toBe(201);
    const history = await call<{ messages: Message[] }>('GET', `/v1/conversations/${pair.body.id}/messages`, ana.token);
    expect(history.body.messages.map((m) => m.text)).toEqual(['before', 'friends again']);
  });

  it('in a group, the blocker stops seeing the blocked one’s messages live, in history and on resume; the others see them all', async () => {
    await start();
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const room = await group(ana, [bob, cid]);
    await say(bob, room, 'bob 1');
    const anas = await relay.connect(ana.token);
    const cids = await relay.connect(cid.token);
    // Blocked while ana is connected: her open socket follows at once.
    expect((await call('PUT', `/v1/me/blocks/${bob.id}`, ana.token)).status).toBe(201);
    expect((await say(bob, room, 'bob 2')).status).toBe(201);
    await say(cid, room, 'cid 1');
    expect(await nextText(anas)).toBe('cid 1');
    expect(await nextText(cids)).toBe('bob 2');
    expect(await nextText(cids)).toBe('cid 1');
    const history = await call<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages`, ana.token);
    expect(history.body.messages.map((m) => m.text)).toEqual(['cid 1']);
    const full = await call<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages`, cid.token);
    expect(full.body.messages.map((m) => m.text)).toEqual(['bob 1', 'bob 2', 'cid 1']);

    // A page of hidden messages is read past, so paging never stalls on an empty page.
    for (let i = 0; i < 5; i++) await say(bob, room, `bob burst ${i}`);
    await say(cid, room, 'cid 2');
    const page = await call<{ messages: Message[]; hasMore: boolean }>('GET', `/v1/conversations/${room}/messages?limit=2`, ana.token);
    expect(page.body.messages.map((m) => m.text)).toEqual(['cid 1', 'cid 2']);
    const before = page.body.messages[0]?.seq;
    const older = await call<{ messages: Message[]; hasMore: boolean }>(
      'GET',
      `/v1/conversations/${room}/messages?before=${before}`,
      ana.token,
    );
    expect(older.body).toEqual({ messages: [], hasMore: false });
    const after = await call<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages?after=0&limit=1`, ana.token);
    expect(after.body.messages.map((m) => m.text)).toEqual(['cid 1']);

    const resumed = await relay.connect(ana.token);
    const reply = await resumed.request({ type: 'resume', cursors: { [room]: [0, 0] } });
    expect(reply).toMatchObject({ type: 'ack', result: { messages: 2 } });
    expect(resumed.frames.filter(isMessage).map((f) => f.message.text)).toEqual(['cid 1', 'cid 2']);

    // Unblocked: everything is there again.
    await call('DELETE', `/v1/me/blocks/${bob.id}`, ana.token);
    await say(bob, room, 'bob back');
    expect(await nextText(anas)).toBe('cid 2');
    expect(await nextText(anas)).toBe('bob back');
    const again = await call<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages?limit=100`, ana.token);
    expect(again.body.messages).toHaveLength(10);
  });

  it('leaves the blocked one’s replies out of the blocker’s thread pages and their messages out of the blocker’s searches', async () => {
    await start();
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const room = await group(ana, [bob, cid]);
    const rootId = randomUUID();
    await call('POST', `/v1/conversations/${room}/messages`, cid.token, { id: rootId, text: 'plans for launch' });
    await call('PUT', `/v1/me/blocks/${bob.id}`, ana.token);
    for (const [who, text] of [
      [bob, 'launch is doomed'],
      [cid, 'launch at noon'],
    ] as const)
      await call('POST', `/v1/conversations/${room}/messages`, who.token, { id: randomUUID(), text, threadId: rootId });
    const thread = (as: User) => call<{ messages: Message[] }>('GET', `/v1/conversations/${room}/threads/${rootId}/messages`, as.token);
    expect((await thread(ana)).body.messages.map((m) => m.text)).toEqual(['launch at noon']);
    expect((await thread(cid)).body.messages.map((m) => m.text)).toEqual(['launch is doomed', 'launch at noon']);
    const search = (as: User) => call<{ results: Array<{ message: Message }> }>('GET', '/v1/search/messages?q=launch', as.token);
    expect((await search(ana)).body.results.map((r) => r.message.senderId).sort()).toEqual([cid.id, cid.id]);
    expect((await search(cid)).body.results).toHaveLength(3);
  });

  it('mutes a member until a time or until lifted, and only admins, the owner or the server API key may', async () => {
    await start();
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const room = await group(ana, [bob, cid]);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, bob.token, {})).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    const cids = await relay.connect(cid.token);
    const muted = await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, ana.token, { until });
    expect(muted).toMatchObject({ status: 200, body: { userId: cid.id, kind: 'mute', until, createdBy: ana.id } });
    // Announced live to the members, the muted one included.
    expect(await cids.waitFor((f) => f.type === 'member.restricted')).toEqual({
      type: 'member.restricted',
      conversationId: room,
      userId: cid.id,
      restriction: muted.body,
    });
    expect(await say(cid, room, 'shh')).toMatchObject({ status: 403, body: { code: 'MEMBER_MUTED', details: { until } } });
    expect((await say(bob, room, 'still here')).status).toBe(201);
    const list = await call<MemberRestrictionList>('GET', `/v1/conversations/${room}/restrictions`, bob.token);
    expect(list.body.restrictions).toEqual([expect.objectContaining({ userId: cid.id, kind: 'mute', until })]);

    // An admin cannot touch the owner; nobody mutes themselves; a mute ending in the past is no mute.
    await call('PATCH', `/v1/conversations/${room}/members/${bob.id}`, ana.token, { role: 'admin' });
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${ana.id}`, bob.token, {})).toMatchObject({ status: 403 });
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${bob.id}`, bob.token, {})).toMatchObject({ status: 400 });
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, ana.token, { until: '2001-01-01T00:00:00.000Z' })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect(await call('PUT', `/v1/conversations/${room}/mutes/ghost`, ana.token, {})).toMatchObject({
      status: 404,
      body: { code: 'USER_NOT_FOUND' },
    });

    // Until lifted, by the server API key; then lifted by an admin.
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, API_KEY, { until: null })).toMatchObject({
      status: 200,
      body: { until: null, createdBy: null },
    });
    expect(await say(cid, room, 'shh')).toMatchObject({ status: 403, body: { code: 'MEMBER_MUTED', details: { until: null } } });
    expect((await call('DELETE', `/v1/conversations/${room}/mutes/${cid.id}`, bob.token)).status).toBe(204);
    expect(await cids.waitFor((f) => f.type === 'member.restricted' && f.restriction === null)).toMatchObject({ userId: cid.id });
    expect(await call('DELETE', `/v1/conversations/${room}/mutes/${cid.id}`, bob.token)).toMatchObject({ status: 404 });
    expect((await say(cid, room, 'free')).status).toBe(201);
  });

  it('refuses a muted member’s file before it claims the upload, which is theirs to send once the mute is lifted', async () => {
    await start();
    const [ana, cid] = [await relay.user(), await relay.user()];
    const room = await group(ana, [cid]);
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('notes')], { type: 'text/plain' }), 'notes.txt');
    const uploaded = await fetch(`${relay.url}/v1/conversations/${room}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cid.token}` },
      body: form,
    });
    const file = (await uploaded.json()) as { id: string };
    expect((await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, ana.token, {})).status).toBe(200);
    const withFile = (id: string) =>
      call('POST', `/v1/conversations/${room}/messages`, cid.token, { id, text: 'see attached', attachment: { uploadId: file.id } });
    expect(await withFile(randomUUID())).toMatchObject({ status: 403, body: { code: 'MEMBER_MUTED', details: { until: null } } });
    expect((await call('DELETE', `/v1/conversations/${room}/mutes/${cid.id}`, ana.token)).status).toBe(204);
    expect(await withFile(randomUUID())).toMatchObject({ status: 201 });
  });

  it('bans a member: removed as a removal is announced, cannot be added back until the ban is lifted', async () => {
    await start();
    const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
    const room = await group(ana, [bob, cid]);
    const cids = await relay.connect(cid.token);
    const bobs = await relay.connect(bob.token);
    expect(await call('PUT', `/v1/conversations/${room}/bans/${cid.id}`, ana.token)).toMatchObject({
      status: 200,
      body: { kind: 'ban', userId: cid.id, until: null },
    });
    for (const socket of [cids, bobs])
      expect(await socket.waitFor((f) => f.type === 'member.removed')).toMatchObject({ conversationId: room, userId: cid.id });
    expect(await say(cid, room, 'hello?')).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    for (const as of [ana.token, API_KEY])
      expect(await call('POST', `/v1/conversations/${room}/members`, as, { userIds: [cid.id] })).toMatchObject({
        status: 403,
        body: { code: 'MEMBER_BANNED', details: { userIds: [cid.id] } },
      });
    // A user not yet a member can be banned ahead; a ban of the owner by a user is refused.
    const eve = await relay.user();
    expect((await call('PUT', `/v1/conversations/${room}/bans/${eve.id}`, ana.token)).status).toBe(200);
    expect(await call('POST', `/v1/conversations/${room}/members`, ana.token, { userIds: [eve.id] })).toMatchObject({ status: 403 });
    await call('PATCH', `/v1/conversations/${room}/members/${bob.id}`, ana.token, { role: 'admin' });
    expect(await call('PUT', `/v1/conversations/${room}/bans/${ana.id}`, bob.token)).toMatchObject({ status: 403 });
    expect((await call('DELETE', `/v1/conversations/${room}/bans/${cid.id}`, bob.token)).status).toBe(204);
    expect((await call('POST', `/v1/conversations/${room}/members`, ana.token, { userIds: [cid.id] })).status).toBe(200);
    expect((await say(cid, room, 'back')).status).toBe(201);
    // Private conversations have no admins to ban anyone.
    const pair = await call<ConversationDetail>('POST', '/v1/conversations', ana.token, { type: 'private', userId: bob.id });
    expect(await call('PUT', `/v1/conversations/${pair.body.id}/bans/${bob.id}`, ana.token)).toMatchObject({ status: 403 });
  });

  it('a ban counts once against the admin’s member changes, so the last one left still bans and removes', async () => {
    await start({ limits: { memberChangesPerMinute: 2 } });
    const [ana, cid] = [await relay.user(), await relay.user()];
    // Creating the group with its one member takes one change of the minute; the ban takes the other.
    const room = await group(ana, [cid]);
    expect(await call('PUT', `/v1/conversations/${room}/bans/${cid.id}`, ana.token)).toMatchObject({ status: 200, body: { kind: 'ban' } });
    expect(await say(cid, room, 'still here?')).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
    // The next change of the minute is refused before anything is recorded.
    const eve = await relay.user();
    expect(await call('PUT', `/v1/conversations/${room}/bans/${eve.id}`, ana.token)).toMatchObject({ status: 429 });
    const list = await call<MemberRestrictionList>('GET', `/v1/conversations/${room}/restrictions`, ana.token);
    expect(list.body.restrictions.map((r) => r.userId)).toEqual([cid.id]);
  });

  it('refuses a mute until a date-time the schema reads but no clock can (a leap second), and records nothing', async () => {
    await start();
    const [ana, cid] = [await relay.user(), await relay.user()];
    const room = await group(ana, [cid]);
    expect(await call('PUT', `/v1/conversations/${room}/mutes/${cid.id}`, ana.token, { until: '2030-06-30T23:59:60Z' })).toMatchObject({
      status: 400,
      body: { code: 'BAD_REQUEST' },
    });
    expect((await call<MemberRestrictionList>('GET', `/v1/conversations/${room}/restrictions`, ana.token)).body.restrictions).toEqual([]);
    expect((await say(cid, room, 'free')).status).toBe(201);
  });

  it('takes one report per member per message into a queue the server API key works, and announces it to the app', async () => {
    await start({ limits: { reportsPerMinute: 2 }, webhooks: { allowPrivateAddresses: true, pollIntervalMs: 50 } });
    const app = await appReceiver();
    try {
      await relay.http('POST', '/v1/webhooks', { as: API_KEY, body: { url: app.url, events: ['report.created'] } });
      const [ana, bob, cid, eve] = [await relay.user(), await relay.user(), await relay.user(), await relay.user()];
      const room = await group(ana, [bob, cid]);
      const messageId = randomUUID();
      await call('POST', `/v1/conversations/${room}/messages`, cid.token, { id: messageId, text: 'buy now' });
      const path = `/v1/conversations/${room}/messages/${messageId}/reports`;
      const first = await call<Report>('POST', path, bob.token, { reason: 'spam', text: 'ads again' });
      expect(first).toMatchObject({
        status: 201,
        body: { reporterId: bob.id, reason: 'spam', text: 'ads again', status: 'open', message: { id: messageId, text: 'buy now' } },
      });
      const again = await call<Report>('POST', path, bob.token, { reason: 'hate' });
      expect(again).toMatchObject({ status: 200, body: { id: first.body.id, reason: 'spam' } });
      // Two reports a minute per member here.
      expect(await call('POST', path, bob.token, { reason: 'spam' })).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
      expect(await call('POST', path, cid.token, { reason: 'spam' })).toMatchObject({ status: 400 });
      expect(await call('POST', path, eve.token, { reason: 'spam' })).toMatchObject({
        status: 404,
        body: { code: 'CONVERSATION_NOT_FOUND' },
      });
      expect(await call('POST', `/v1/conversations/${room}/messages/${randomUUID()}/reports`, ana.token, { reason: 'spam' })).toMatchObject(
        {
          status: 404,
          body: { code: 'MESSAGE_NOT_FOUND' },
        },
      );

      const calls = await app.until((received) => received.length >= 1);
      expect(calls[0]?.body).toMatchObject({ type: 'report.created', data: { report: { id: first.body.id, messageId } } });

      expect(await call('GET', '/v1/reports', bob.token)).toMatchObject({ status: 403 });
      const open = await call<ReportPage>('GET', '/v1/reports?status=open', API_KEY);
      expect(open.body.reports.map((r) => [r.id, r.reporterId, r.reason, r.message?.text])).toEqual([
        [first.body.id, bob.id, 'spam', 'buy now'],
      ]);
      const closed = await call<Report>('PATCH', `/v1/reports/${first.body.id}`, API_KEY, { status: 'resolved', note: 'removed' });
      expect(closed).toMatchObject({ status: 200, body: { status: 'resolved', note: 'removed', closedAt: expect.any(String) } });
      expect((await call<ReportPage>('GET', '/v1/reports?status=open', API_KEY)).body.reports).toEqual([]);
      expect((await call<ReportPage>('GET', '/v1/reports?status=resolved', API_KEY)).body.reports).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('answers hostile ids and bodies with coded 4xx and rate-limits blocks', async () => {
    await start({ limits: { blocksPerMinute: 3 } });
    const [ana, bob] = [await relay.user(), await relay.user()];
    const room = await group(ana, [bob]);
    const hostile: Array<[string, string, string, unknown, number]> = [
      ['PUT', `/v1/me/blocks/${ana.id}`, ana.token, undefined, 400],
      ['PUT', '/v1/me/blocks/ghost', ana.token, undefined, 404],
      // Longer than any id: Fastify refuses the path before routing it.
      ['PUT', `/v1/me/blocks/${'x'.repeat(129)}`, ana.token, undefined, 414],
      ['PUT', '/v1/me/blocks/a%00b', ana.token, undefined, 400],
      ['PUT', '/v1/me/blocks/..%2F..%2Fetc', ana.token, undefined, 400],
      ['PUT', `/v1/me/blocks/${bob.id}`, API_KEY, undefined, 403],
      ['PUT', `/v1/conversations/${room}/mutes/${bob.id}`, ana.token, { until: 'tomorrow' }, 400],
      ['PUT', `/v1/conversations/${room}/mutes/${bob.id}`, ana.token, { until: null, extra: 1 }, 400],
      ['PUT', `/v1/conversations/${room}/mutes/${bob.id}`, ana.token, '[]', 400],
      ['POST', `/v1/conversations/${room}/messages/not-a-uuid/reports`, bob.token, { reason: 'spam' }, 400],
      ['POST', `/v1/conversations/${room}/messages/${randomUUID()}/reports`, bob.token, { reason: 'boring' }, 400],
      ['POST', `/v1/conversations/${room}/messages/${randomUUID()}/reports`, bob.token, { reason: 'spam', text: 'x'.repeat(1001) }, 400],
      ['PATCH', '/v1/reports/some-id', API_KEY, { status: 'open' }, 400],
      ['GET', '/v1/reports?status=everything', API_KEY, undefined, 400],
      ['GET', '/v1/reports?limit=100000', API_KEY, undefined, 400],
    ];
    for (const [method, path, as, body, status] of hostile) {
      const answer = await call(method, path, as, body);
      expect([path, answer.status, typeof answer.body.code]).toEqual([path, status, 'string']);
    }
    // Three blocks a minute here, per user: bob's three go through and the fourth is refused.
    const others = [await relay.user(), await relay.user(), await relay.user(), await relay.user()];
    const answers = [];
    for (const other of others) answers.push((await call('PUT', `/v1/me/blocks/${other.id}`, bob.token)).status);
    expect(answers).toEqual([201, 201, 201, 429]);
  });
});

describe('safety across nodes and channels', () => {
  let telegram: FakeTelegram | undefined;
  let relay: RunningRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    await telegram?.close();
    relay = undefined;
    telegram = undefined;
  });

  it('a block made on one node hides the blocked one’s messages from the blocker’s socket on the other', async () => {
    const { a, b, close } = await twoNodes();
    try {
      const [ana, bob, cid] = [await a.user(), await a.user(), await a.user()];
      const room = (
        await a.http<ConversationDetail>('POST', '/v1/conversations', {
          as: ana.token,
          body: { type: 'group', memberIds: [bob.id, cid.id] },
        })
      ).body.id;
      const anas = await b.connect(ana.token);
      expect((await a.http('PUT', `/v1/me/blocks/${bob.id}`, { as: ana.token })).status).toBe(201);
      // The block reaches node b through the bus before bob's message does: the bus keeps one publisher's order per key, so
      // a marker published after the block, in the same conversation, is awaited first.
      await a.http('PATCH', `/v1/conversations/${room}`, { as: ana.token, body: { title: 'marker' } });
      await anas.waitFor((f) => f.type === 'conversation.updated');
      await a.http('POST', `/v1/conversations/${room}/messages`, { as: bob.token, body: { id: randomUUID(), text: 'hidden' } });
      await b.http('POST', `/v1/conversations/${room}/messages`, { as: cid.token, body: { id: randomUUID(), text: 'shown' } });
      expect(await nextText(anas)).toBe('shown');
      // Bob cannot reach ana in private from either node.
      for (const node of [a, b])
        expect(await node.http('POST', '/v1/conversations', { as: bob.token, body: { type: 'private', userId: ana.id } })).toMatchObject({
          status: 403,
          body: { code: 'BLOCKED' },
        });
    } finally {
      await close();
    }
  });

  it('wakes no device of a member who blocked the sender', async () => {
    const vapid = webPush.generateVAPIDKeys();
    const service = await new FakePushService(vapid.publicKey).start();
    try {
      relay = await startRelay({
        push: {
          enabled: true,
          allowInsecureEndpoints: true,
          allowPrivateAddresses: true,
          vapid: { ...vapid, subject: 'mailto:ops@example.com' },
        },
      });
      const [ana, bob, cid] = [await relay.user(), await relay.user(), await relay.user()];
      const [bobs, cids] = [service.subscribe(), service.subscribe()];
      for (const [user, subscription] of [
        [bob, bobs],
        [cid, cids],
      ] as const)
        expect((await relay.http('POST', '/v1/me/devices', { as: user.token, body: { kind: 'webpush', subscription } })).status).toBe(201);
      const room = (
        await relay.http<ConversationDetail>('POST', '/v1/conversations', {
          as: ana.token,
          body: { type: 'group', memberIds: [bob.id, cid.id] },
        })
      ).body.id;
      await relay.http('PUT', `/v1/me/blocks/${ana.id}`, { as: bob.token });
      await relay.http('POST', `/v1/conversations/${room}/messages`, { as: ana.token, body: { id: randomUUID(), text: 'hi all' } });
      await service.receivedCount(1);
      await relay.relay.app.push.flush();
      expect(service.to(cids)).toHaveLength(1);
      expect(service.to(bobs)).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('an agent who blocks a contact no longer gets what the contact writes in; the other agents do', async () => {
    telegram = await fakeTelegram('123:bot-token');
    relay = await startRelay({
      channels: [
        {
          id: 'tg',
          type: 'telegram',
          members: ['agent', 'other'],
          token: '123:bot-token',
          secretToken: 'tg-secret',
          baseUrl: telegram.url,
        },
      ],
    });
    const agent = await relay.user('agent');
    const other = await relay.user('other');
    const agents = await relay.connect(agent.token);
    const others = await relay.connect(other.token);
    const bot = new TelegramConnector({ token: '123:bot-token', secretToken: 'tg-secret', baseUrl: telegram.url });
    await bot.setWebhook(`${relay.url}/v1/channels/tg/webhook`);
    await telegram.inbound({ chatId: 777001, firstName: 'Rui', text: 'olá' });
    const first = await nextMessage(agents);
    const contactId = first.senderId as string;
    const room = first.conversationId;
    expect(contactId).toMatch(/^contact:/);
    // A contact's id is a user id: it is blocked like any user.
    expect((await relay.http('PUT', `/v1/me/blocks/${encodeURIComponent(contactId)}`, { as: agent.token })).status).toBe(201);
    await telegram.inbound({ chatId: 777001, firstName: 'Rui', text: 'spam spam' });
    expect(await nextText(others)).toBe('olá');
    expect(await nextText(others)).toBe('spam spam');
    await relay.http('POST', `/v1/conversations/${room}/messages`, {
      as: other.token,
      body: { id: randomUUID(), text: 'I will handle it' },
    });
    expect(await nextText(agents)).toBe('I will handle it');
    const history = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages`, { as: agent.token });
    expect(history.body.messages.map((m) => m.text)).toEqual(['I will handle it']);

    // Muted by the agent who owns the conversation: what the contact writes is answered as taken and dropped.
    const mutes = `/v1/conversations/${room}/mutes/${encodeURIComponent(contactId)}`;
    expect((await relay.http('PUT', mutes, { as: agent.token, body: {} })).status).toBe(200);
    expect(await telegram.inbound({ chatId: 777001, firstName: 'Rui', text: 'muted words' })).toMatchObject({ status: 200 });
    const all = await relay.http<{ messages: Message[] }>('GET', `/v1/conversations/${room}/messages`, { as: other.token });
    expect(all.body.messages.map((m) => m.text)).toEqual(['olá', 'spam spam', 'I will handle it']);
    expect((await relay.http('DELETE', mutes, { as: agent.token })).status).toBe(204);
    await telegram.inbound({ chatId: 777001, firstName: 'Rui', text: 'heard again' });
    expect(await nextText(others)).toBe('I will handle it');
    expect(await nextText(others)).toBe('heard again');
  });
});
