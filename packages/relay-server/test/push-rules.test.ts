import { randomUUID } from 'node:crypto';
import { setTimeout as wait } from 'node:timers/promises';
import type { ConversationDetail, PresenceList, PushPayload, PushPreferences, PushReadPayload } from '@chat4all/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import webPush from 'web-push';
import type { RelayConfigInput } from '../src/config.js';
import { FakePushService, type FakeSubscription } from './fake-push-service.js';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, twoNodes } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: (): RelayConfigInput => ({}),
  postgres: (): RelayConfigInput => {
    const schema = `push_rules_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

const vapid = webPush.generateVAPIDKeys();

const pushConfig = (over: RelayConfigInput['push'] = {}): RelayConfigInput['push'] => ({
  enabled: true,
  content: 'sender',
  allowInsecureEndpoints: true,
  allowPrivateAddresses: true,
  baseDelayMs: 1,
  vapid: { ...vapid, subject: 'mailto:ops@example.com' },
  ...over,
});

interface Person {
  id: string;
  token: string;
  subscription: FakeSubscription;
}

/** What the tests do against one relay: users with a device each, groups, sends, reads. */
function actions(relay: () => RunningRelay, service: () => FakePushService) {
  const self = {
    async person(on: RunningRelay = relay()): Promise<Person> {
      const user = await on.user();
      const subscription = service().subscribe();
      const registered = await on.http('POST', '/v1/me/devices', { as: user.token, body: { kind: 'webpush', subscription } });
      expect(registered.status).toBe(201);
      return { ...user, subscription };
    },
    async group(owner: Person, members: Person[]): Promise<string> {
      const created = await relay().http<ConversationDetail>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: owner.id, memberIds: members.map((member) => member.id) },
      });
      expect(created.status).toBe(201);
      return created.body.id;
    },
    async send(from: Person, conversationId: string, body: Record<string, unknown> = {}, on: RunningRelay = relay()): Promise<string> {
      const id = randomUUID();
      const sent = await on.http('POST', `/v1/conversations/${conversationId}/messages`, {
        as: from.token,
        body: { id, text: 'hello', ...body },
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(201);
      return id;
    },
    async read(who: Person, conversationId: string, seq: number, on: RunningRelay = relay()): Promise<void> {
      const read = await on.http('POST', `/v1/conversations/${conversationId}/receipts`, { as: who.token, body: { kind: 'read', seq } });
      expect(read.status).toBe(200);
    },
    async mute(who: Person, conversationId: string): Promise<void> {
      const muted = await relay().http('PATCH', `/v1/conversations/${conversationId}/settings`, {
        as: who.token,
        body: { mutedUntil: new Date(Date.now() + 3_600_000).toISOString() },
      });
      expect(muted.status).toBe(200);
    },
    async prefer(who: Person, body: Partial<PushPreferences>): Promise<PushPreferences> {
      const put = await relay().http<PushPreferences>('PUT', '/v1/me/push-preferences', { as: who.token, body });
      expect(put.status).toBe(200);
      return put.body;
    },
    /** The payloads a person's device got, decrypted; after waiting for `total` pushes in all and for the relay's pushes to settle. */
    async settled(total: number, on: RunningRelay = relay()): Promise<void> {
      await service().receivedCount(total);
      await on.relay.app.push.flush();
      expect(service().received.flatMap((push) => push.problems)).toEqual([]);
      expect(service().received).toHaveLength(total);
    },
    payloads(who: Person): Array<PushPayload | PushReadPayload> {
      return service()
        .to(who.subscription)
        .map((push) => push.payload as PushPayload | PushReadPayload);
    },
  };
  return self;
}

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('push rules (%s)', (store) => {
  let relay: RunningRelay;
  let service: FakePushService;
  const act = actions(
    () => relay,
    () => service,
  );

  async function start(push: RelayConfigInput['push'], over: RelayConfigInput = {}): Promise<void> {
    relay = await startRelay({ ...STORES[store](), ...over, push });
  }

  beforeEach(async () => {
    service = await new FakePushService(vapid.publicKey).start();
  });
  afterEach(async () => {
    await relay?.close();
    await service.close();
  });

  it('never pushes for a muted conversation, but a mention when the member (or the relay’s default) allows it', async () => {
    await start(pushConfig({ mentionsInMutedConversations: true }));
    const [ana, bob, carol, dave, erin] = [
      await act.person(),
      await act.person(),
      await act.person(),
      await act.person(),
      await act.person(),
    ];
    const conversationId = await act.group(ana, [bob, carol, dave, erin]);
    for (const muter of [bob, carol, dave]) await act.mute(muter, conversationId);
    // bob keeps the relay's default (mentions in muted conversations notify), carol turns it off, dave mentions off altogether.
    expect(await act.prefer(carol, { mutedMentions: false })).toEqual({
      messages: true,
      mentions: true,
      threadReplies: true,
      mutedMentions: false,
    });
    await act.prefer(dave, { mentions: false });

    const plain = await act.send(ana, conversationId);
    await act.settled(1);
    expect(act.payloads(erin)).toMatchObject([{ messageId: plain, reason: 'message' }]);

    const mention = await act.send(ana, conversationId, { text: '@bob @carol @dave', mentions: [bob.id, carol.id, dave.id] });
    await act.settled(3);
    expect(act.payloads(bob)).toEqual([
      { type: 'message', conversationId, messageId: mention, seq: 2, reason: 'mention', sender: { id: ana.id, displayName: ana.id } },
    ]);
    expect(act.payloads(carol)).toEqual([]);
    expect(act.payloads(dave)).toEqual([]);
    expect(act.payloads(erin).map((p) => p.type === 'message' && p.reason)).toEqual(['message', 'message']);

    // @all is a mention of everyone: bob again, and still not carol or dave.
    await act.send(ana, conversationId, { text: '@all', mentionsAll: true });
    await act.settled(5);
    expect(act.payloads(bob).map((p) => p.type === 'message' && p.reason)).toEqual(['mention', 'mention']);
    expect(act.payloads(erin).map((p) => p.type === 'message' && p.reason)).toEqual(['message', 'message', 'mention']);
    expect(act.payloads(carol)).toEqual([]);
  });

  it('notifies per preferences with the reason: mentions, replies in threads one takes part in, messages; content per push.content', async () => {
    await start(pushConfig({ content: 'none' }));
    const [ana, bob, carol, dave] = [await act.person(), await act.person(), await act.person(), await act.person()];
    const conversationId = await act.group(ana, [bob, carol, dave]);
    await act.prefer(dave, { messages: false });
    const reasons = (who: Person, messageId: string) =>
      act
        .payloads(who)
        .filter((p) => p.type === 'message' && p.messageId === messageId)
        .map((p) => (p as PushPayload).reason);

    const root = await act.send(ana, conversationId);
    await act.settled(2);
    expect(reasons(bob, root)).toEqual(['message']);
    expect(reasons(carol, root)).toEqual(['message']);
    expect(reasons(dave, root)).toEqual([]);
    // content none: the ids and the reason, nothing of the sender or text.
    expect(act.payloads(bob)[0]).toEqual({ type: 'message', conversationId, messageId: root, seq: 1, reason: 'message' });

    // bob replies in ana's thread: ana wrote its root and is told of a reply; the others do not take part.
    const first = await act.send(bob, conversationId, { threadId: root });
    await act.settled(3);
    expect(act.payloads(ana)).toEqual([{ type: 'message', conversationId, messageId: first, seq: 2, reason: 'reply', threadId: root }]);

    // carol replies and sends it to the conversation too: ana and bob take part (reply), dave takes no messages.
    const second = await act.send(carol, conversationId, { threadId: root, showInConversation: true });
    await act.settled(5);
    expect(reasons(ana, second)).toEqual(['reply']);
    expect(reasons(bob, second)).toEqual(['reply']);
    expect(reasons(dave, second)).toEqual([]);

    // A mention in the thread is a mention, even for dave who takes no messages; bob turns thread replies off.
    await act.prefer(bob, { threadReplies: false });
    const third = await act.send(carol, conversationId, { threadId: root, text: '@dave', mentions: [dave.id] });
    await act.settled(7);
    expect(reasons(dave, third)).toEqual(['mention']);
    expect(reasons(ana, third)).toEqual(['reply']);
    expect(reasons(bob, third)).toEqual([]);
    expect(act.payloads(dave).at(-1)).toEqual({
      type: 'message',
      conversationId,
      messageId: third,
      seq: 4,
      reason: 'mention',
      threadId: root,
    });
  });

  it('clears the pushes of a conversation its member reads, once, not for a read short of the last push, nor when nothing was pushed since', async () => {
    await start(pushConfig({ content: 'full' }));
    const [ana, bob, carol] = [await act.person(), await act.person(), await act.person()];
    const conversationId = await act.group(ana, [bob, carol]);
    await act.send(ana, conversationId, { text: 'one' });
    await act.send(ana, conversationId, { text: 'two' });
    await act.settled(4);
    const topic = service.to(bob.subscription)[0]?.headers.topic;

    // A read short of the last push clears nothing: that push is still unread.
    await act.read(bob, conversationId, 1);
    await relay.relay.app.push.flush();
    expect(service.received).toHaveLength(4);
    await act.read(bob, conversationId, 2);
    await act.settled(5);
    const clear = service.to(bob.subscription).at(-1);
    expect(clear?.payload).toEqual({ type: 'read', conversationId, seq: 2 } satisfies PushReadPayload);
    // The conversation's topic: it replaces a push still waiting at the push service.
    expect(clear?.headers.topic).toBe(topic);

    // Read again with nothing new pushed (bob is online for the next message): no clear.
    const socket = await relay.connect(bob.token);
    await act.send(ana, conversationId, { text: 'three' });
    await act.settled(6); // carol's
    await act.read(bob, conversationId, 3);
    socket.close();
    await act.read(carol, conversationId, 3);
    await act.settled(7); // carol's clear, and no second one for bob
    expect(act.payloads(bob).filter((p) => p.type === 'read')).toHaveLength(1);
    expect(act.payloads(carol).at(-1)).toEqual({ type: 'read', conversationId, seq: 3 });
  });

  it('reads and changes push preferences, refusing hostile bodies with a coded 4xx', async () => {
    await start(pushConfig({ mentionsInMutedConversations: true }), { limits: { settingsPerMinute: 8 } });
    const [ana, eve] = [await relay.user(), await relay.user()];
    const get = () => relay.http<PushPreferences>('GET', '/v1/me/push-preferences', { as: ana.token });
    expect(await get()).toMatchObject({ status: 200, body: { messages: true, mentions: true, threadReplies: true, mutedMentions: true } });
    const put = (body: unknown) => relay.http<{ code?: string }>('PUT', '/v1/me/push-preferences', { as: ana.token, body });
    expect(await put({ messages: false })).toMatchObject({ status: 200, body: { messages: false, mutedMentions: true } });
    expect(await put({ mutedMentions: false, threadReplies: false })).toMatchObject({
      status: 200,
      body: { messages: false, mentions: true, threadReplies: false, mutedMentions: false },
    });
    for (const hostile of [
      {},
      { messages: 'yes' },
      { mentions: { value: true } },
      { threadReplies: [] },
      { admin: true },
      [],
      'true',
      'null',
    ]) {
      const answer = await put(hostile);
      expect(answer, JSON.stringify(hostile)).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    }
    const huge = await relay.http<{ code?: string }>('PUT', '/v1/me/push-preferences', {
      as: ana.token,
      body: JSON.stringify({ messages: true, padding: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await relay.http<{ code?: string }>('GET', '/v1/me/push-preferences', {})).status).toBe(401);
    expect((await relay.http<{ code?: string }>('PUT', '/v1/me/push-preferences', { as: API_KEY, body: { messages: true } })).status).toBe(
      403,
    );
    // Nothing refused changed anything, and eve's are her own.
    expect((await get()).body).toEqual({ messages: false, mentions: true, threadReplies: false, mutedMentions: false });
    expect((await relay.http<PushPreferences>('GET', '/v1/me/push-preferences', { as: eve.token })).body.messages).toBe(true);
    // Writes are rate-limited with the user's other settings.
    let limited: { status: number; body: { code?: string } } | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const answer = await put({ messages: i % 2 === 0 });
      if (answer.status !== 200) limited = answer;
    }
    expect(limited).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });
});

describe('push rules: inactivity', () => {
  /** awayAfterMs is the time being tested: the test waits it out on the clock. */
  const AWAY_AFTER_MS = 1_200;

  it.each(['memory', 'redis'] as const)(
    'pushes a member whose sockets have been idle for push.awayAfterMs, and not one active on any node (%s shared state)',
    async (driver) => {
      const service = await new FakePushService(vapid.publicKey).start();
      const push = pushConfig({ awayAfterMs: AWAY_AFTER_MS });
      const nodes =
        driver === 'redis'
          ? await twoNodes({ push })
          : await startRelay({ push }).then((relay) => ({ a: relay, b: relay, close: () => relay.close() }));
      const act = actions(
        () => nodes.a,
        () => service,
      );
      try {
        const [ana, bob, carol] = [await act.person(), await act.person(), await act.person()];
        const conversationId = await act.group(ana, [bob, carol]);
        // bob's socket is on node b, the sends go through node a.
        const socket = await nodes.b.connect(bob.token);
        await act.send(ana, conversationId);
        await act.settled(1); // carol only: bob just connected
        expect(act.payloads(bob)).toEqual([]);

        await wait(AWAY_AFTER_MS + 100);
        const idle = await act.send(ana, conversationId);
        await act.settled(3);
        expect(act.payloads(bob)).toMatchObject([{ messageId: idle, reason: 'message' }]);

        // A frame from bob's socket makes him active again, as the presence node a reads says.
        const seenBefore = await lastSeen(nodes.a, ana.token, bob.id);
        expect((await socket.request({ type: 'ping' })).type).toBe('ack');
        await vi.waitFor(async () => expect(await lastSeen(nodes.a, ana.token, bob.id)).not.toBe(seenBefore), { timeout: 3_000 });
        await act.send(ana, conversationId);
        await act.settled(4);
        expect(act.payloads(bob)).toHaveLength(1);
      } finally {
        await nodes.close();
        await service.close();
      }
    },
  );

  it('clears on a read on another node than the one that pushed (redis shared state)', async () => {
    const service = await new FakePushService(vapid.publicKey).start();
    const nodes = await twoNodes({ push: pushConfig() });
    const act = actions(
      () => nodes.a,
      () => service,
    );
    try {
      const [ana, bob] = [await act.person(), await act.person()];
      const conversationId = await act.group(ana, [bob]);
      await act.send(ana, conversationId);
      await act.settled(1);
      await act.read(bob, conversationId, 1, nodes.b);
      await service.receivedCount(2);
      await nodes.b.relay.app.push.flush();
      expect(act.payloads(bob).at(-1)).toEqual({ type: 'read', conversationId, seq: 1 });
      // Online on node b for the next message, bob is not pushed; his read of it on node a finds no note to clear.
      await nodes.b.connect(bob.token);
      await act.send(ana, conversationId);
      await act.read(bob, conversationId, 2, nodes.a);
      await Promise.all([nodes.a.relay.app.push.flush(), nodes.b.relay.app.push.flush()]);
      expect(act.payloads(bob).map((p) => p.type)).toEqual(['message', 'read']);
    } finally {
      await nodes.close();
      await service.close();
    }
  });
});

async function lastSeen(relay: RunningRelay, token: string, userId: string): Promise<string | null | undefined> {
  const answer = await relay.http<PresenceList>('GET', `/v1/presence?userIds=${userId}`, { as: token });
  return answer.body.presence[0]?.lastSeenAt;
}
