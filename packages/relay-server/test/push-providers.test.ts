import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import type { ConversationDetail, Device, DeviceList } from '@chat4all/protocol';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { RelayConfigInput } from '../src/config.js';
import { type ApnsReason, FakeApns } from './fake-apns.js';
import { FakeFcm, type ReceivedFcmMessage } from './fake-fcm.js';
import { API_KEY, dropSchemas, POSTGRES_URL, type RunningRelay, startRelay } from './fixtures.js';

const schemas: string[] = [];
afterAll(() => dropSchemas(schemas));

const STORES = {
  sqlite: (): RelayConfigInput => ({}),
  postgres: (): RelayConfigInput => {
    const schema = `pushp_${randomUUID().slice(0, 8)}`;
    schemas.push(schema);
    return { store: { driver: 'postgres' as const, postgres: { url: POSTGRES_URL, schema, poolSize: 4 } } };
  },
};

type Answer<T> = { status: number; body: T & { code?: string } };

/** One object field of a received FCM message (`android`, `data`), its values as strings. */
const fieldOf = (push: ReceivedFcmMessage | undefined, name: string) => (push?.message[name] ?? {}) as Record<string, string>;

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('push providers (%s)', (store) => {
  let relay: RunningRelay | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
    for (const close of closers.splice(0)) await close();
  });

  async function start(push: RelayConfigInput['push']): Promise<RunningRelay> {
    relay = await startRelay({ ...STORES[store](), push });
    return relay;
  }

  const register = (token: string, body: unknown) =>
    (relay as RunningRelay).http<Device>('POST', '/v1/me/devices', { as: token, body }) as Promise<Answer<Device>>;

  /** A group of `ownerId` and `memberIds`, and a function sending a text in it as `token`. */
  async function group(ownerId: string, memberIds: string[]) {
    const running = relay as RunningRelay;
    const created = await running.http<ConversationDetail>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: ownerId, memberIds },
    });
    const conversationId = created.body.id;
    return {
      conversationId,
      async send(token: string, text: string): Promise<string> {
        const id = randomUUID();
        const sent = await running.http('POST', `/v1/conversations/${conversationId}/messages`, { as: token, body: { id, text } });
        expect(sent.status).toBe(201);
        return id;
      },
    };
  }

  async function metric(name: 'pushesSent' | 'pushesFailed' | 'pushDevicesRemoved', labels: Record<string, string>) {
    const { values } = await (relay as RunningRelay).relay.app.metrics[name].get();
    return values
      .filter((value) => Object.entries(labels).every(([k, v]) => (value.labels as Record<string, unknown>)[k] === v))
      .reduce((n, v) => n + v.value, 0);
  }

  describe('FCM', () => {
    async function withFcm(): Promise<{ fcm: FakeFcm; running: RunningRelay }> {
      const fcm = await new FakeFcm().start();
      closers.push(() => fcm.close());
      const running = await start({
        enabled: true,
        content: 'full',
        baseDelayMs: 1,
        fcm: { serviceAccount: fcm.serviceAccount(), url: fcm.url },
      });
      return { fcm, running };
    }

    async function withDevice(running: RunningRelay, fcm: FakeFcm, answers: Parameters<FakeFcm['device']>[0] = []) {
      const user = await running.user();
      const token = fcm.device(answers);
      const registered = await register(user.token, { kind: 'fcm', token });
      expect(registered.status).toBe(201);
      expect(registered.body).toMatchObject({ kind: 'fcm', token });
      return { ...user, fcmToken: token, deviceId: registered.body.id };
    }

    it('sends an offline member a data message through FCM HTTP v1, authorized by a service-account access token', async () => {
      const { fcm, running } = await withFcm();
      const ana = await running.user();
      const bob = await withDevice(running, fcm);
      const chat = await group(ana.id, [bob.id]);
      const messageId = await chat.send(ana.token, 'dinner at 8?');
      await fcm.receivedCount(1);
      const [push] = fcm.to(bob.fcmToken);
      expect(push?.problems).toEqual([]);
      expect(push?.message).toMatchObject({
        token: bob.fcmToken,
        data: {
          type: 'message',
          conversationId: chat.conversationId,
          messageId,
          seq: '1',
          reason: 'message',
          sender: JSON.stringify({ id: ana.id, displayName: ana.id }),
          text: 'dinner at 8?',
        },
        android: { priority: 'high', collapse_key: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), ttl: '86400s' },
      });
      const collapseKey = fieldOf(push, 'android').collapse_key;
      // push.ttlSeconds (a day by default) on both of FCM's routes.
      expect(push?.message.apns).toEqual({
        headers: { 'apns-collapse-id': collapseKey, 'apns-expiration': expect.stringMatching(/^\d+$/) },
      });
      const apnsHeaders = ((push?.message.apns ?? {}) as { headers?: Record<string, string> }).headers;
      const expiration = Number(apnsHeaders?.['apns-expiration']);
      expect(Math.abs(expiration - (Date.now() / 1000 + 86_400))).toBeLessThan(60);
      // The next message collapses onto this one, and reuses the access token.
      await chat.send(ana.token, 'or 9');
      await fcm.receivedCount(2);
      expect(fieldOf(fcm.to(bob.fcmToken)[1], 'android').collapse_key).toBe(collapseKey);
      expect(fcm.tokenRequests).toEqual([{ problems: [] }]);
      await running.relay.app.push.flush();
      expect(await metric('pushesSent', { provider: 'fcm' })).toBe(2);
    });

    it('removes a token FCM says is unregistered or invalid, retries quota and unavailability honouring Retry-After', async () => {
      const { fcm, running } = await withFcm();
      const ana = await running.user();
      const unregistered = await withDevice(running, fcm, ['UNREGISTERED']);
      const invalid = await withDevice(running, fcm, ['INVALID_ARGUMENT']);
      // INVALID_ARGUMENT too, but about the message: the device is not at fault and stays.
      const tooBig = await withDevice(running, fcm, ['MESSAGE_TOO_BIG']);
      const quota = await withDevice(running, fcm, [{ answer: 'QUOTA_EXCEEDED', retryAfter: '1' }]);
      const busy = await withDevice(running, fcm, ['UNAVAILABLE', 'INTERNAL']);
      const chat = await group(ana.id, [unregistered.id, invalid.id, tooBig.id, quota.id, busy.id]);
      await chat.send(ana.token, 'hello');
      await fcm.receivedCount(8);
      await running.relay.app.push.flush();
      const answered = (d: { fcmToken: string }) => fcm.to(d.fcmToken).length;
      expect([answered(unregistered), answered(invalid), answered(tooBig), answered(quota), answered(busy)]).toEqual([1, 1, 1, 2, 3]);
      expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: tooBig.token })).body.devices).toHaveLength(1);
      expect(await metric('pushesFailed', { provider: 'fcm', reason: 'refused' })).toBe(1);
      const [first, second] = fcm.to(quota.fcmToken);
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
      for (const gone of [unregistered, invalid])
        expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: gone.token })).body.devices).toEqual([]);
      expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: busy.token })).body.devices).toHaveLength(1);
      expect(await metric('pushDevicesRemoved', { provider: 'fcm' })).toBe(2);
      expect(await metric('pushesFailed', { provider: 'fcm', reason: 'gone' })).toBe(2);
      expect(await metric('pushesSent', { provider: 'fcm' })).toBe(2);
    });

    it('gets a new access token once when FCM refuses the cached one, and counts a sender mismatch as refused', async () => {
      const { fcm, running } = await withFcm();
      const ana = await running.user();
      const bob = await withDevice(running, fcm);
      const carol = await withDevice(running, fcm, ['SENDER_ID_MISMATCH', 'SENDER_ID_MISMATCH']);
      const chat = await group(ana.id, [bob.id]);
      await chat.send(ana.token, 'one');
      await fcm.receivedCount(1);
      fcm.revokeAccessTokens();
      await chat.send(ana.token, 'two');
      await fcm.receivedCount(2);
      await running.relay.app.push.flush();
      expect(fcm.tokenRequests).toHaveLength(2);
      expect(fcm.to(bob.fcmToken).map((push) => fieldOf(push, 'data').text)).toEqual(['one', 'two']);
      const other = await group(ana.id, [carol.id]);
      await other.send(ana.token, 'three');
      await fcm.receivedCount(3);
      await running.relay.app.push.flush();
      // Not retried, not removed: the project is wrong, not the device.
      expect(fcm.to(carol.fcmToken)).toHaveLength(1);
      expect(await metric('pushesFailed', { provider: 'fcm', reason: 'refused' })).toBe(1);
      expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: carol.token })).body.devices).toHaveLength(1);
    });

    it('cuts a long text, multi-byte or escaped in JSON, so the message stays under FCM’s 4096 bytes', async () => {
      const { fcm, running } = await withFcm();
      const ana = await running.user();
      const bob = await withDevice(running, fcm);
      const chat = await group(ana.id, [bob.id]);
      const texts = ['€'.repeat(3000), '"\\'.repeat(1500), 'a\n'.repeat(1999)];
      for (const text of texts) await chat.send(ana.token, text);
      await fcm.receivedCount(texts.length);
      await running.relay.app.push.flush();
      const pushes = fcm.to(bob.fcmToken);
      expect(pushes.map((push) => push.problems)).toEqual([[], [], []]);
      const cut: string[] = [];
      for (const push of pushes) {
        const data = fieldOf(push, 'data');
        const size = Buffer.byteLength(JSON.stringify(data));
        expect(size).toBeLessThanOrEqual(4096);
        // Cut no more than it must: another character would not have fitted.
        expect(size).toBeGreaterThan(4096 - 8);
        expect(data.text?.endsWith('…')).toBe(true);
        cut.push(data.text?.slice(0, -1) ?? '-');
      }
      // The pushes go out side by side, so they may arrive in any order: each text is cut in exactly one.
      expect(texts.map((text) => cut.filter((start) => text.startsWith(start)).length)).toEqual([1, 1, 1]);
      expect(await metric('pushesSent', { provider: 'fcm' })).toBe(3);
    });

    it('signs with a service account key given as PKCS #1', async () => {
      const fcm = await new FakeFcm().start();
      closers.push(() => fcm.close());
      const running = await start({ enabled: true, baseDelayMs: 1, fcm: { serviceAccount: fcm.serviceAccount('pkcs1'), url: fcm.url } });
      const ana = await running.user();
      const bob = await withDevice(running, fcm);
      const chat = await group(ana.id, [bob.id]);
      await chat.send(ana.token, 'hi');
      await fcm.receivedCount(1);
      await running.relay.app.push.flush();
      expect(fcm.tokenRequests).toEqual([{ problems: [] }]);
      expect(await metric('pushesSent', { provider: 'fcm' })).toBe(1);
    });
  });

  describe('APNs', () => {
    async function withApns(keyFormat: 'pkcs8' | 'sec1' = 'pkcs8'): Promise<{ apns: FakeApns; running: RunningRelay }> {
      const apns = await new FakeApns().start();
      closers.push(() => apns.close());
      const running = await start({
        enabled: true,
        content: 'full',
        baseDelayMs: 1,
        apns: {
          keyId: apns.keyId,
          teamId: apns.teamId,
          privateKey: keyFormat === 'sec1' ? apns.sec1PrivateKey : apns.privateKey,
          topic: apns.topic,
          productionUrl: apns.url,
          caFile: apns.caFile,
        },
      });
      return { apns, running };
    }

    async function withDevice(running: RunningRelay, apns: FakeApns, answers: ApnsReason[] = [], environment = 'production') {
      const user = await running.user();
      const token = apns.device(answers);
      const registered = await register(user.token, { kind: 'apns', token: token.toUpperCase(), environment });
      expect(registered).toMatchObject({ status: 201, body: { kind: 'apns', token } });
      return { ...user, apnsToken: token };
    }

    it('sends an offline member an alert over HTTP/2 with a provider token, collapsed per conversation', async () => {
      const { apns, running } = await withApns();
      const ana = await running.user();
      const bob = await withDevice(running, apns);
      const chat = await group(ana.id, [bob.id]);
      const messageId = await chat.send(ana.token, 'dinner at 8?');
      await apns.receivedCount(1);
      const [push] = apns.to(bob.apnsToken);
      expect(push?.problems).toEqual([]);
      expect(push?.headers).toMatchObject({
        ':method': 'POST',
        ':path': `/3/device/${bob.apnsToken}`,
        'apns-topic': apns.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-collapse-id': expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      });
      const expiration = Number(push?.headers['apns-expiration']);
      expect(Math.abs(expiration - (Date.now() / 1000 + 86_400))).toBeLessThan(60);
      expect(push?.payload).toEqual({
        aps: { alert: { title: ana.id, body: 'dinner at 8?' }, 'mutable-content': 1, 'thread-id': chat.conversationId },
        type: 'message',
        conversationId: chat.conversationId,
        messageId,
        seq: 1,
        reason: 'message',
        sender: { id: ana.id, displayName: ana.id },
      });
      await chat.send(ana.token, 'or 9');
      await apns.receivedCount(2);
      const second = apns.to(bob.apnsToken)[1];
      expect(second?.headers['apns-collapse-id']).toBe(push?.headers['apns-collapse-id']);
      // One provider token for both: APNs refuses one renewed more than every 20 minutes.
      expect(apns.providerTokens).toBe(1);
      await running.relay.app.push.flush();
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(2);
    });

    it('removes an unregistered or bad device token, retries 429 and 5xx, signs a new provider token once when APNs says it expired', async () => {
      const { apns, running } = await withApns();
      const ana = await running.user();
      const unregistered = await withDevice(running, apns, ['Unregistered']);
      const bad = await withDevice(running, apns, ['BadDeviceToken']);
      const busy = await withDevice(running, apns, ['TooManyRequests', 'ServiceUnavailable']);
      const chat = await group(ana.id, [unregistered.id, bad.id, busy.id]);
      await chat.send(ana.token, 'hello');
      await apns.receivedCount(5);
      await running.relay.app.push.flush();
      expect([unregistered, bad, busy].map((d) => apns.to(d.apnsToken).length)).toEqual([1, 1, 3]);
      for (const gone of [unregistered, bad])
        expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: gone.token })).body.devices).toEqual([]);
      expect(await metric('pushDevicesRemoved', { provider: 'apns' })).toBe(2);
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(1);
      apns.expireProviderTokens();
      await chat.send(ana.token, 'again');
      await apns.receivedCount(7);
      await running.relay.app.push.flush();
      expect(
        apns
          .to(busy.apnsToken)
          .slice(3)
          .map((push) => push.problems),
      ).toEqual([[], []]);
      expect(apns.providerTokens).toBe(2);
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(2);
    });

    it('cuts a long text, multi-byte or escaped in JSON, so the body stays under APNs’ 4096 bytes', async () => {
      const { apns, running } = await withApns();
      const ana = await running.user();
      const bob = await withDevice(running, apns);
      const chat = await group(ana.id, [bob.id]);
      const texts = ['€'.repeat(3000), '"\\'.repeat(1500), 'a\n'.repeat(1999)];
      for (const text of texts) await chat.send(ana.token, text);
      await apns.receivedCount(texts.length);
      await running.relay.app.push.flush();
      const pushes = apns.to(bob.apnsToken);
      expect(pushes.map((push) => push.problems)).toEqual([[], [], []]);
      for (const [i, push] of pushes.entries()) {
        const size = Buffer.byteLength(JSON.stringify(push.payload));
        expect(size).toBeLessThanOrEqual(4096);
        expect(size).toBeGreaterThan(4096 - 8);
        const body = (push.payload?.aps as { alert?: { body?: string } } | undefined)?.alert?.body ?? '';
        expect(body.endsWith('…')).toBe(true);
        expect(texts[i]?.startsWith(body.slice(0, -1))).toBe(true);
        // Once, in the alert.
        expect(push.payload).not.toHaveProperty('text');
      }
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(3);
      expect(await metric('pushesFailed', { provider: 'apns' })).toBe(0);
    });

    it('signs provider tokens with a key given as SEC1', async () => {
      const { apns, running } = await withApns('sec1');
      const ana = await running.user();
      const bob = await withDevice(running, apns);
      const chat = await group(ana.id, [bob.id]);
      await chat.send(ana.token, 'hi');
      await apns.receivedCount(1);
      await running.relay.app.push.flush();
      expect(apns.to(bob.apnsToken).map((push) => push.problems)).toEqual([[]]);
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(1);
    });

    it('keeps one HTTP/2 connection for its pushes, and opens another when APNs sends GOAWAY', async () => {
      const { apns, running } = await withApns();
      const ana = await running.user();
      const [bob, carol] = [await withDevice(running, apns), await withDevice(running, apns)];
      const chat = await group(ana.id, [bob.id, carol.id]);
      await chat.send(ana.token, 'one');
      await chat.send(ana.token, 'two');
      await apns.receivedCount(4);
      expect(apns.connections).toBe(1);
      apns.goAway();
      await chat.send(ana.token, 'three');
      await apns.receivedCount(6);
      await running.relay.app.push.flush();
      expect(apns.connections).toBe(2);
      expect(await metric('pushesSent', { provider: 'apns' })).toBe(6);
    });

    it('sends a sandbox device to the sandbox origin', async () => {
      const apns = await new FakeApns().start();
      closers.push(() => apns.close());
      const running = await start({
        enabled: true,
        baseDelayMs: 1,
        maxAttempts: 1,
        apns: {
          keyId: apns.keyId,
          teamId: apns.teamId,
          privateKey: apns.privateKey,
          topic: apns.topic,
          productionUrl: 'https://localhost:9',
          sandboxUrl: apns.url,
          caFile: apns.caFile,
        },
      });
      const ana = await running.user();
      const dev = await withDevice(running, apns, [], 'sandbox');
      const prod = await withDevice(running, apns);
      const chat = await group(ana.id, [dev.id, prod.id]);
      await chat.send(ana.token, 'hi');
      await apns.receivedCount(1);
      await running.relay.app.push.flush();
      expect(apns.received.map((push) => push.token)).toEqual([dev.apnsToken]);
      expect(await metric('pushesFailed', { provider: 'apns', reason: 'network' })).toBe(1);
    });
  });

  it('registers FCM and APNs tokens once per token, lists them, and refuses hostile bodies with a coded 4xx', async () => {
    const running = await start({ devicesPerUser: 3 });
    const [ana, eve] = [await running.user(), await running.user()];
    const fcmToken = `c1:APA91b${'x'.repeat(140)}`;
    const apnsToken = 'A1'.repeat(32);
    const fcm = await register(ana.token, { kind: 'fcm', token: fcmToken });
    expect(fcm).toMatchObject({ status: 201, body: { kind: 'fcm', token: fcmToken } });
    expect(fcm.body).not.toHaveProperty('endpoint');
    const apns = await register(ana.token, { kind: 'apns', token: apnsToken, environment: 'sandbox' });
    expect(apns).toMatchObject({ status: 201, body: { kind: 'apns', token: apnsToken.toLowerCase() } });
    expect(await register(ana.token, { kind: 'fcm', token: fcmToken })).toMatchObject({ status: 200, body: { id: fcm.body.id } });
    // Either case of the same hex token is the same device.
    expect(await register(ana.token, { kind: 'apns', token: apnsToken.toLowerCase() })).toMatchObject({
      status: 200,
      body: { id: apns.body.id },
    });
    const listed = await running.http<DeviceList>('GET', '/v1/me/devices', { as: ana.token });
    expect(listed.body.devices.map((d) => d.kind)).toEqual(['fcm', 'apns']);

    const refused = async (body: unknown, status: number, code: string) => {
      const answer = await running.http<{ code: string }>('POST', '/v1/me/devices', { as: eve.token, body });
      expect(answer, JSON.stringify(body).slice(0, 200)).toMatchObject({ status, body: { code } });
    };
    await refused({ kind: 'fcm', token: '' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: 'a'.repeat(4097) }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: 'has space' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: 'line\nbreak' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: 'ünïcode' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: { toString: 'x' } }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: null }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm', token: fcmToken, subscription: {} }, 400, 'BAD_REQUEST');
    await refused({ kind: 'fcm' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: 'ab'.repeat(31) }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: 'ab'.repeat(101) }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: `${'ab'.repeat(31)}zz` }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: `<${'ab'.repeat(32)}>` }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: apnsToken, environment: 'staging' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'apns', token: apnsToken, topic: 'com.evil.app' }, 400, 'BAD_REQUEST');
    await refused({ kind: 'gcm', token: fcmToken }, 400, 'BAD_REQUEST');
    await refused({ kind: 'webpush', token: fcmToken }, 400, 'BAD_REQUEST');
    await refused([{ kind: 'fcm', token: fcmToken }], 400, 'BAD_REQUEST');
    // Eve takes over ana's FCM token (she signed in on that app): it is hers now, and gone from ana's list.
    expect((await register(eve.token, { kind: 'fcm', token: fcmToken })).status).toBe(201);
    expect((await running.http<DeviceList>('GET', '/v1/me/devices', { as: ana.token })).body.devices.map((d) => d.kind)).toEqual(['apns']);
    const stolen = await running.http<{ code: string }>('DELETE', `/v1/me/devices/${apns.body.id}`, { as: eve.token });
    expect(stolen).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    // The limit counts every kind.
    await register(ana.token, { kind: 'fcm', token: 'second' });
    await register(ana.token, { kind: 'fcm', token: 'third' });
    expect(await register(ana.token, { kind: 'fcm', token: 'fourth' })).toMatchObject({ status: 409, body: { code: 'TOO_MANY_DEVICES' } });
  });
});

describe('push provider credentials', () => {
  it('stops the relay at start on a key that is not one, naming the key', async () => {
    await expect(startRelay({ push: { fcm: { serviceAccount: '{"client_email":"a@b.c","private_key":"nope"}' } } })).rejects.toThrow(
      /push\.fcm\.serviceAccount/,
    );
    await expect(startRelay({ push: { fcm: { serviceAccount: 'not json' } } })).rejects.toThrow(/push\.fcm\.serviceAccount/);
    const apns = { keyId: 'ABC123DEFG', teamId: 'DEF123GHIJ', topic: 'com.example.chat' };
    await expect(startRelay({ push: { apns: { ...apns, privateKey: new FakeFcm().serviceAccount() } } })).rejects.toThrow(
      /push\.apns\.privateKey/,
    );
    await expect(startRelay({ push: { apns: { ...apns, privateKeyFile: '/nonexistent/key.p8' } } })).rejects.toThrow(
      /push\.apns\.privateKeyFile/,
    );
    // Keys Node reads but that cannot sign what the provider needs: ES256 is P-256 only, RS256 RSA only.
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    await expect(startRelay({ push: { apns: { ...apns, privateKey: p384 } } })).rejects.toThrow(/push\.apns\.privateKey/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    await expect(startRelay({ push: { apns: { ...apns, privateKey: rsa } } })).rejects.toThrow(/push\.apns\.privateKey/);
    const ec = new FakeApns().sec1PrivateKey;
    await expect(
      startRelay({ push: { fcm: { serviceAccount: JSON.stringify({ client_email: 'a@b.c', private_key: ec, project_id: 'p' }) } } }),
    ).rejects.toThrow(/push\.fcm\.serviceAccount/);
  });

  it('counts as refused, and keeps the device, a push whose FCM service account or APNs key the provider does not accept', async () => {
    const [fcm, other, apns] = [await new FakeFcm().start(), await new FakeFcm().start(), await new FakeApns().start()];
    // Another project's key presented as this one's: the token endpoint verifies the assertion against the account's own key.
    const stolen = { ...JSON.parse(other.serviceAccount()), token_uri: `${fcm.url}/token` };
    const foreignApns = new FakeApns();
    const relay = await startRelay({
      push: {
        enabled: true,
        baseDelayMs: 1,
        fcm: { serviceAccount: JSON.stringify(stolen), projectId: fcm.projectId, url: fcm.url },
        apns: {
          keyId: apns.keyId,
          teamId: apns.teamId,
          privateKey: foreignApns.privateKey,
          topic: apns.topic,
          productionUrl: apns.url,
          caFile: apns.caFile,
        },
      },
    });
    try {
      const [ana, bob] = [await relay.user(), await relay.user()];
      for (const body of [
        { kind: 'fcm', token: fcm.device() },
        { kind: 'apns', token: apns.device() },
      ])
        expect((await relay.http('POST', '/v1/me/devices', { as: bob.token, body })).status).toBe(201);
      const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: ana.id, memberIds: [bob.id] },
      });
      const sent = await relay.http('POST', `/v1/conversations/${created.body.id}/messages`, {
        as: ana.token,
        body: { id: randomUUID(), text: 'hi' },
      });
      expect(sent.status).toBe(201);
      await apns.receivedCount(1);
      await relay.relay.app.push.flush();
      expect(fcm.tokenRequests.map((request) => request.problems.length > 0)).toEqual([true]);
      expect(fcm.received).toEqual([]);
      expect(apns.received.map((push) => push.problems.length > 0)).toEqual([true]);
      // Every provider and reason has a series from the start; the counted ones are these.
      const failed = (await relay.relay.app.metrics.pushesFailed.get()).values.filter((value) => value.value > 0);
      expect(failed.map((value) => [value.labels.provider, value.labels.reason, value.value]).sort()).toEqual([
        ['apns', 'refused', 1],
        ['fcm', 'refused', 1],
      ]);
      expect((await relay.http<DeviceList>('GET', '/v1/me/devices', { as: bob.token })).body.devices).toHaveLength(2);
    } finally {
      await relay.close();
      await Promise.all([fcm.close(), other.close(), apns.close()]);
    }
  });
});

describe('APNs that stops answering', () => {
  const config = (url: string, caFile?: string): RelayConfigInput['push'] => ({
    enabled: true,
    baseDelayMs: 1,
    maxAttempts: 1,
    // Far longer than the test: the relay must not need it to settle or to close.
    timeoutMs: 30_000,
    apns: {
      keyId: 'ABC123DEFG',
      teamId: 'DEF123GHIJ',
      privateKey: new FakeApns().privateKey,
      topic: 'com.example.chat',
      productionUrl: url,
      caFile,
    },
  });

  async function pushToOne(relay: RunningRelay, token: string): Promise<void> {
    const [ana, bob] = [await relay.user(), await relay.user()];
    expect((await relay.http('POST', '/v1/me/devices', { as: bob.token, body: { kind: 'apns', token } })).status).toBe(201);
    const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: ana.id, memberIds: [bob.id] },
    });
    const sent = await relay.http('POST', `/v1/conversations/${created.body.id}/messages`, {
      as: ana.token,
      body: { id: randomUUID(), text: 'hi' },
    });
    expect(sent.status).toBe(201);
  }

  it('closes at once while a connection to APNs is taken but never set up', async () => {
    // A TCP listener that never says a word: the TLS handshake never completes.
    const sockets = new Set<Socket>();
    let connected: () => void = () => {};
    const accepted = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const server = createServer((socket) => {
      // Read, so the relay's hanging up is seen.
      socket.resume();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = await startRelay({ push: config(`https://127.0.0.1:${(server.address() as AddressInfo).port}`) });
    try {
      await pushToOne(relay, 'ab'.repeat(32));
      await accepted;
      const started = Date.now();
      await relay.close();
      expect(Date.now() - started).toBeLessThan(5000);
      // The relay let the connection go.
      await vi.waitFor(() => expect(sockets.size).toBe(0));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('closes at once while APNs holds a request without answering, and settles a request whose stream APNs closes without an answer', async () => {
    const apns = await new FakeApns().start();
    const relay = await startRelay({ push: config(apns.url, apns.caFile) });
    try {
      apns.requests = 'reset';
      await pushToOne(relay, apns.device());
      await apns.receivedCount(1);
      await relay.relay.app.push.flush();
      const failed = (await relay.relay.app.metrics.pushesFailed.get()).values.filter((value) => value.value > 0);
      expect(failed.map((value) => [value.labels.provider, value.labels.reason, value.value])).toEqual([['apns', 'network', 1]]);
      apns.requests = 'hang';
      await pushToOne(relay, apns.device());
      await apns.receivedCount(2);
      const started = Date.now();
      await relay.close();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await relay.close();
      await apns.close();
    }
  });
});
