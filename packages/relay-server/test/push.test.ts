import { randomUUID } from 'node:crypto';
import type { ConversationDetail, Device, DeviceList, PushPayload } from '@chat4all/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import webPush from 'web-push';
import type { RelayConfigInput } from '../src/config.js';
import { FakePushService, type FakeSubscription } from './fake-push-service.js';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay, twoNodes } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: (): RelayConfigInput => ({}),
  postgres: (): RelayConfigInput => {
    const schema = `push_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

const vapid = webPush.generateVAPIDKeys();

type Answer<T> = { status: number; body: T & { code?: string } };

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('push notifications (%s)', (store) => {
  let relay: RunningRelay;
  let service: FakePushService;

  async function start(push: RelayConfigInput['push']): Promise<void> {
    relay = await startRelay({ ...STORES[store](), push });
  }

  beforeEach(async () => {
    service = await new FakePushService(vapid.publicKey).start();
  });
  afterEach(async () => {
    await relay?.close();
    await service.close();
  });

  const enabled = (content: 'full' | 'sender' | 'none' = 'full') => ({
    enabled: true,
    content,
    allowInsecureEndpoints: true,
    allowPrivateAddresses: true,
    baseDelayMs: 1,
    vapid: { ...vapid, subject: 'mailto:ops@example.com' },
  });

  const register = (token: string, subscription: unknown) =>
    relay.http<Device>('POST', '/v1/me/devices', { as: token, body: { kind: 'webpush', subscription } }) as Promise<Answer<Device>>;

  async function group(ownerId: string, memberIds: string[]): Promise<string> {
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: ownerId, memberIds },
    });
    return created.body.id;
  }

  async function send(token: string, conversationId: string, text: string): Promise<string> {
    const id = randomUUID();
    const sent = await relay.http('POST', `/v1/conversations/${conversationId}/messages`, { as: token, body: { id, text } });
    expect(sent.status).toBe(201);
    return id;
  }

  /** A user with one registered device. */
  async function withDevice(statuses: number[] = []) {
    const user = await relay.user();
    const subscription = service.subscribe(statuses);
    expect((await register(user.token, subscription)).status).toBe(201);
    return { ...user, subscription };
  }

  it('pushes an offline member the message, encrypted to their device and signed with the relay’s VAPID key', async () => {
    await start(enabled('full'));
    const ana = await relay.user();
    const bob = await withDevice();
    const conversationId = await group(ana.id, [bob.id]);
    const messageId = await send(ana.token, conversationId, 'dinner at 8?');
    await service.receivedCount(1);
    const [push] = service.to(bob.subscription);
    expect(push?.problems).toEqual([]);
    expect(push?.headers.ttl).toBe('86400');
    expect(push?.headers.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(push?.payload).toEqual({
      type: 'message',
      conversationId,
      messageId,
      seq: 1,
      reason: 'message',
      sender: { id: ana.id, displayName: ana.id },
      text: 'dinner at 8?',
    } satisfies PushPayload);
    // The next message of the conversation replaces this one where it waits: the same topic.
    await send(ana.token, conversationId, 'or 9');
    await service.receivedCount(2);
    expect(service.to(bob.subscription)[1]?.headers.topic).toBe(push?.headers.topic);
  });

  it('pushes neither the sender, nor a member online on a socket, nor one who muted the conversation', async () => {
    await start(enabled('sender'));
    const [ana, bob, carol, dave] = [await withDevice(), await withDevice(), await withDevice(), await withDevice()];
    const conversationId = await group(ana.id, [bob.id, carol.id, dave.id]);
    await relay.connect(bob.token);
    const muted = await relay.http('PATCH', `/v1/conversations/${conversationId}/settings`, {
      as: carol.token,
      body: { mutedUntil: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(muted.status).toBe(200);
    const messageId = await send(ana.token, conversationId, 'secret plans');
    await service.receivedCount(1);
    await relay.relay.app.push.flush();
    expect(service.received.map((push) => push.resource)).toEqual([dave.subscription.endpoint.split('/').pop()]);
    expect(service.to(dave.subscription)[0]?.payload).toEqual({
      type: 'message',
      conversationId,
      messageId,
      seq: 1,
      reason: 'message',
      sender: { id: ana.id, displayName: ana.id },
    });
  });

  it('carries nothing but the ids with content none', async () => {
    await start(enabled('none'));
    const ana = await relay.user();
    const bob = await withDevice();
    const conversationId = await group(ana.id, [bob.id]);
    const messageId = await send(ana.token, conversationId, 'hidden');
    await service.receivedCount(1);
    expect(service.to(bob.subscription)[0]?.payload).toEqual({ type: 'message', conversationId, messageId, seq: 1, reason: 'message' });
  });

  it('removes a device its push service says is gone, and retries one that is busy', async () => {
    await start(enabled());
    const ana = await relay.user();
    const gone = await withDevice([410]);
    const busy = await withDevice([503]);
    const conversationId = await group(ana.id, [gone.id, busy.id]);
    await send(ana.token, conversationId, 'hello');
    await service.receivedCount(3);
    await relay.relay.app.push.flush();
    expect(service.to(gone.subscription)).toHaveLength(1);
    expect(service.to(busy.subscription)).toHaveLength(2);
    const left = await relay.http<DeviceList>('GET', '/v1/me/devices', { as: gone.token });
    expect(left.body.devices).toEqual([]);
    expect((await relay.http<DeviceList>('GET', '/v1/me/devices', { as: busy.token })).body.devices).toHaveLength(1);
    const metrics = relay.relay.app.metrics;
    const webpush = async (counter: typeof metrics.pushesSent) =>
      (await counter.get()).values.find((value) => value.labels.provider === 'webpush')?.value;
    expect(await webpush(metrics.pushDevicesRemoved)).toBe(1);
    expect(await webpush(metrics.pushesSent)).toBe(1);
  });

  it('registers a device once per endpoint, lists and removes it, up to the limit per user', async () => {
    await start({ devicesPerUser: 2, allowInsecureEndpoints: true, allowPrivateAddresses: true });
    const ana = await relay.user();
    const first = service.subscribe();
    const created = await register(ana.token, first);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'webpush', endpoint: first.endpoint });
    expect(created.body).not.toHaveProperty('keys');
    const again = await register(ana.token, { ...first, keys: service.subscribe().keys });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect((await register(ana.token, service.subscribe())).status).toBe(201);
    const third = await register(ana.token, service.subscribe());
    expect(third).toMatchObject({ status: 409, body: { code: 'TOO_MANY_DEVICES' } });
    const listed = await relay.http<DeviceList>('GET', '/v1/me/devices', { as: ana.token });
    expect(listed.body.devices.map((device) => device.endpoint)).toHaveLength(2);
    expect(listed.body.devices[0]?.endpoint).toBe(first.endpoint);
    expect((await relay.http('DELETE', `/v1/me/devices/${created.body.id}`, { as: ana.token })).status).toBe(204);
    expect((await register(ana.token, service.subscribe())).status).toBe(201);
  });

  it('refuses hostile registrations with a coded 4xx', async () => {
    await start({});
    const [ana, eve] = [await relay.user(), await relay.user()];
    const good: FakeSubscription = service.subscribe();
    const onPublicHost = { ...good, endpoint: 'https://93.184.216.34/push/abc' };
    const refused = async (subscription: unknown, status: number, code: string, body?: string) => {
      const answer = body
        ? await relay.http<{ code: string }>('POST', '/v1/me/devices', { as: ana.token, body })
        : await register(ana.token, subscription);
      expect(answer, JSON.stringify(subscription)?.slice(0, 200)).toMatchObject({ status, body: { code } });
    };
    await refused({ ...onPublicHost, endpoint: 'http://93.184.216.34/push/abc' }, 422, 'PUSH_ENDPOINT_REFUSED');
    await refused(good, 422, 'PUSH_ENDPOINT_REFUSED'); // loopback, and http
    await refused({ ...onPublicHost, endpoint: 'https://127.0.0.1/push/abc' }, 422, 'PUSH_ENDPOINT_REFUSED');
    await refused({ ...onPublicHost, endpoint: 'https://user:pw@93.184.216.34/push' }, 422, 'PUSH_ENDPOINT_REFUSED');
    await refused({ ...onPublicHost, endpoint: 'javascript:alert(1)' }, 422, 'PUSH_ENDPOINT_REFUSED');
    await refused({ ...onPublicHost, endpoint: 'not a url' }, 422, 'PUSH_ENDPOINT_REFUSED');
    await refused({ ...onPublicHost, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(1) } }, 400, 'BAD_REQUEST');
    await refused({ ...onPublicHost, keys: { ...good.keys, auth: 'short' } }, 400, 'BAD_REQUEST');
    await refused({ ...onPublicHost, keys: { ...good.keys, p256dh: `${good.keys.p256dh.slice(0, -1)}!` } }, 400, 'BAD_REQUEST');
    await refused({ ...onPublicHost, endpoint: `https://93.184.216.34/${'a'.repeat(3000)}` }, 400, 'BAD_REQUEST');
    await refused({ endpoint: onPublicHost.endpoint }, 400, 'BAD_REQUEST');
    // The right shape, but not a point of the curve: no push could be encrypted to it.
    await refused({ ...onPublicHost, keys: { ...good.keys, p256dh: `B${'A'.repeat(86)}` } }, 400, 'BAD_REQUEST');
    await refused(
      null,
      413,
      'PAYLOAD_TOO_LARGE',
      JSON.stringify({ kind: 'webpush', subscription: { ...onPublicHost, padding: 'x'.repeat(2 * 1024 * 1024) } }),
    );
    const mine = await register(ana.token, onPublicHost);
    expect(mine.status).toBe(201);
    const stolen = await relay.http<{ code: string }>('DELETE', `/v1/me/devices/${mine.body.id}`, { as: eve.token });
    expect(stolen).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await relay.http<DeviceList>('GET', '/v1/me/devices', { as: ana.token })).body.devices).toHaveLength(1);
    expect((await relay.http<DeviceList>('GET', '/v1/me/devices', { as: eve.token })).body.devices).toEqual([]);
  });
});

describe('push notifications across nodes', () => {
  it('counts a socket on another node as online: only the member with no socket anywhere gets a push', async () => {
    const service = await new FakePushService(vapid.publicKey).start();
    const push = {
      enabled: true,
      allowInsecureEndpoints: true,
      allowPrivateAddresses: true,
      vapid: { ...vapid, subject: 'mailto:ops@example.com' },
    };
    const { a, b, close } = await twoNodes({ push });
    try {
      const [ana, bob, carol] = [await a.user(), await a.user(), await a.user()];
      const [bobs, carols] = [service.subscribe(), service.subscribe()];
      for (const [user, subscription] of [
        [bob, bobs],
        [carol, carols],
      ] as const)
        expect((await a.http('POST', '/v1/me/devices', { as: user.token, body: { kind: 'webpush', subscription } })).status).toBe(201);
      const created = await a.http<ConversationDetail>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: ana.id, memberIds: [bob.id, carol.id] },
      });
      await b.connect(bob.token);
      const sent = await a.http('POST', `/v1/conversations/${created.body.id}/messages`, {
        as: ana.token,
        body: { id: randomUUID(), text: 'hi' },
      });
      expect(sent.status).toBe(201);
      await service.receivedCount(1);
      await a.relay.app.push.flush();
      expect(service.to(carols)).toHaveLength(1);
      expect(service.to(bobs)).toEqual([]);
    } finally {
      await close();
      await service.close();
    }
  });
});

describe('the fake push service', () => {
  it('refuses what a push service would: another VAPID key, no TTL, a payload not encrypted to the subscription', async () => {
    const service = await new FakePushService(vapid.publicKey).start();
    try {
      const subscription = service.subscribe();
      const post = async (options: Parameters<typeof webPush.generateRequestDetails>[2], keys = subscription.keys, drop?: string) => {
        const request = webPush.generateRequestDetails({ ...subscription, keys }, '{}', options);
        const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== drop));
        return (await fetch(request.endpoint, { method: 'POST', headers, body: request.body })).status;
      };
      const signed = { vapidDetails: { ...vapid, subject: 'mailto:ops@example.com' }, contentEncoding: 'aes128gcm' as const };
      expect(await post(signed)).toBe(201);
      expect(await post({ ...signed, vapidDetails: { ...webPush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' } })).toBe(400);
      expect(await post(signed, subscription.keys, 'TTL')).toBe(400);
      expect(await post(signed, service.subscribe().keys)).toBe(400);
      expect(service.received.map((push) => push.problems.length > 0)).toEqual([false, true, true, true]);
    } finally {
      await service.close();
    }
  });
});
