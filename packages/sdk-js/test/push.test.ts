import { createECDH, randomUUID } from 'node:crypto';
import type { PushPayload } from '@chat4all/protocol';
import type { RelayConfigInput } from '@chat4all/relay-server';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePushService, type FakeSubscription } from '../../relay-server/test/fake-push-service.js';
import { Chat4AllError } from '../src/index.js';
import { API_KEY, bothStores, client, privateConversation, startRelay, userToken } from './relay.js';

const STORES = bothStores('push');
/** A VAPID key pair as `web-push generate-vapid-keys` makes one (RFC 8292 §3.2): P-256, the public key uncompressed, base64url. */
const vapid = (() => {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: ecdh.getPrivateKey().toString('base64url') };
})();
const PUSH = {
  enabled: true,
  content: 'full',
  allowInsecureEndpoints: true,
  allowPrivateAddresses: true,
  vapid: { ...vapid, subject: 'mailto:ops@example.com' },
} satisfies RelayConfigInput['push'];

/**
 * A browser's service worker registration as the Push API gives it (https://www.w3.org/TR/push-api/#pushmanager-interface):
 * `subscribe()` makes a subscription to the given key at the fake push service, `getSubscription()` gives the current one,
 * and a subscription's `unsubscribe()` ends it.
 */
class FakeRegistration {
  current: (FakeSubscription & { options: PushSubscriptionOptions; unsubscribed?: boolean }) | null = null;
  readonly calls: string[] = [];
  refuse: Error | null = null;

  constructor(readonly service: FakePushService) {}

  readonly pushManager = {
    getSubscription: async () => this.#browserSubscription(),
    subscribe: async (options: PushSubscriptionOptions) => {
      this.calls.push('subscribe');
      if (this.refuse) throw this.refuse;
      const key = options.applicationServerKey as unknown as Uint8Array;
      this.current = { ...this.service.subscribe(), options: { ...options, applicationServerKey: new Uint8Array(key).buffer } };
      return this.#browserSubscription();
    },
  };

  asRegistration(): ServiceWorkerRegistration {
    return this as unknown as ServiceWorkerRegistration;
  }

  #browserSubscription() {
    const subscription = this.current;
    if (!subscription) return null;
    return {
      endpoint: subscription.endpoint,
      options: subscription.options,
      toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
      unsubscribe: async () => {
        this.calls.push('unsubscribe');
        subscription.unsubscribed = true;
        this.current = null;
        return true;
      },
    } as unknown as PushSubscription;
  }
}

describe.each(Object.keys(STORES))('client.push (%s)', (store) => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setUp(push: RelayConfigInput['push'] = PUSH) {
    const service = await new FakePushService(vapid.publicKey).start();
    cleanup.push(() => service.close());
    const relay = await startRelay({ config: { ...STORES[store]?.(), push } });
    cleanup.push(relay.remove, relay.close);
    const token = await userToken(relay.url, 'bob');
    const bob = client(relay.url, token);
    cleanup.push(() => bob.close());
    return { service, relay, bob, token };
  }

  it('subscribes the service worker to the relay’s VAPID key, registers it, and the subscription gets the message once Bob is away', async () => {
    const { service, relay, bob } = await setUp();
    expect(await bob.push.info()).toEqual({ enabled: true, vapidPublicKey: vapid.publicKey });
    const browser = new FakeRegistration(service);

    const device = await bob.push.register({ serviceWorker: browser.asRegistration() });
    expect(device).toMatchObject({ kind: 'webpush', endpoint: browser.current?.endpoint });
    const { updatedAt: _, ...kept } = device;
    expect(Buffer.from(browser.current?.options.applicationServerKey as ArrayBuffer).toString('base64url')).toBe(vapid.publicKey);
    expect(browser.current?.options.userVisibleOnly).toBe(true);
    // Registering again reuses the subscription to the same key, and the relay keeps the device's id.
    expect(await bob.push.register({ serviceWorker: browser.asRegistration() })).toMatchObject({ id: device.id });
    expect(browser.calls).toEqual(['subscribe']);
    expect(await bob.push.devices()).toEqual([{ ...kept, updatedAt: expect.any(String) }]);

    const conversationId = await privateConversation(relay.url, 'ana', 'bob');
    const sent = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: randomUUID(), text: 'dinner at 8?', senderId: 'ana' }),
    });
    expect(sent.status).toBe(201);
    await service.receivedCount(1);
    const [push] = service.to(browser.current as FakeSubscription);
    expect(push?.problems).toEqual([]);
    expect(push?.payload).toMatchObject({
      type: 'message',
      conversationId,
      sender: { id: 'ana', displayName: 'ana' },
      text: 'dinner at 8?',
    } satisfies Partial<PushPayload>);
  });

  it('subscribes anew when the browser’s subscription is to another key, and unregistering this browser’s device ends its subscription', async () => {
    const { service, relay, bob, token } = await setUp();
    const browser = new FakeRegistration(service);
    const stale = { ...service.subscribe(), options: { userVisibleOnly: true, applicationServerKey: new Uint8Array(65).fill(4).buffer } };
    browser.current = stale;
    const device = await bob.push.register({ serviceWorker: browser.asRegistration() });
    expect(browser.calls).toEqual(['unsubscribe', 'subscribe']);
    expect(device.endpoint).not.toBe(stale.endpoint);

    // Another device of Bob's (another browser): unregistering it leaves this browser subscribed.
    const laptop = client(relay.url, token);
    cleanup.push(() => laptop.close());
    const other = await laptop.push.register({ serviceWorker: new FakeRegistration(service).asRegistration() });
    await bob.push.unregister(other.id);
    expect(browser.calls).toEqual(['unsubscribe', 'subscribe']);
    expect(browser.current?.endpoint).toBe(device.endpoint);
    await bob.push.unregister(device.id);
    expect(browser.calls).toEqual(['unsubscribe', 'subscribe', 'unsubscribe']);
    expect(await bob.push.devices()).toEqual([]);
  });

  it('refuses with typed errors: no Push API, notifications denied, a relay without a VAPID key, a device id that is not one', async () => {
    const { service, bob } = await setUp();
    const without = await bob.push.register({ serviceWorker: {} as ServiceWorkerRegistration }).catch((error: unknown) => error);
    expect(without).toBeInstanceOf(Chat4AllError);
    expect(without).toMatchObject({ code: 'PUSH_UNSUPPORTED', retryable: false });

    const browser = new FakeRegistration(service);
    browser.refuse = Object.assign(new Error('Registration failed - permission denied'), { name: 'NotAllowedError' });
    await expect(bob.push.register({ serviceWorker: browser.asRegistration() })).rejects.toMatchObject({
      code: 'PUSH_PERMISSION_DENIED',
      retryable: false,
    });

    // Hostile ids stay one path segment, refused as ids rather than reaching another route; someone else's id is no device.
    for (const id of ['../../conversations', 'x?y=1']) await expect(bob.push.unregister(id)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(bob.push.unregister(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const { bob: elsewhere } = await setUp({});
    expect(await elsewhere.push.info()).toEqual({ enabled: false, vapidPublicKey: null });
    await expect(elsewhere.push.register({ serviceWorker: browser.asRegistration() })).rejects.toMatchObject({
      code: 'PUSH_NOT_CONFIGURED',
    });
  });
});
