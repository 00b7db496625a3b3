import { randomUUID } from 'node:crypto';
import type { Device, DeviceList } from '@chat4all/protocol';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/config.js';
import { FakePushService, type FakeSubscription } from './fake-push-service.js';
import { dropSchemas, POSTGRES_URL, type RunningRelay, startRelay } from './fixtures.js';

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

type Answer<T> = { status: number; body: T & { code?: string } };

describe.each(Object.keys(STORES) as Array<keyof typeof STORES>)('push devices (%s)', (store) => {
  let relay: RunningRelay;
  let service: FakePushService;

  async function start(push: RelayConfigInput['push']): Promise<void> {
    relay = await startRelay({ ...STORES[store](), push });
  }

  beforeEach(async () => {
    service = await new FakePushService('').start();
  });
  afterEach(async () => {
    await relay?.close();
    await service.close();
  });

  const register = (token: string, subscription: unknown) =>
    relay.http<Device>('POST', '/v1/me/devices', { as: token, body: { kind: 'webpush', subscription } }) as Promise<Answer<Device>>;

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
