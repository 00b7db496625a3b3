import { createECDH } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthSession, PushPayload } from '@chat4all/protocol';
import { createRelay, type Relay } from '@chat4all/relay-server';
import type { BrowserContext, CDPSession, Worker } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePushService } from '../../../packages/relay-server/test/fake-push-service.js';
import { serveStatic, TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { register } from './app.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** A VAPID key pair as `web-push generate-vapid-keys` makes one (RFC 8292 §3.2): P-256, the public key uncompressed, base64url. */
function vapidKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: ecdh.getPrivateKey().toString('base64url') };
}

/**
 * The page's Push API (https://www.w3.org/TR/push-api/#pushmanager-interface) answering with a subscription made in Node at
 * the fake push service: headless Chromium cannot reach a real push service. The subscription is kept in localStorage, with
 * the `applicationServerKey` it was made with, as a browser keeps it across reloads.
 */
function stubPushManager(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }) {
  const STORED = 'stub-push-subscription';
  const bytes = (base64url: string) =>
    Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
  const make = (serverKey: string) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: bytes(serverKey) },
    getKey: (name: 'p256dh' | 'auth') => bytes(subscription.keys[name]),
    toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
    unsubscribe: async () => {
      localStorage.removeItem(STORED);
      return true;
    },
  });
  PushManager.prototype.getSubscription = async () => {
    const serverKey = localStorage.getItem(STORED);
    return (serverKey ? make(serverKey) : null) as unknown as PushSubscription;
  };
  PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
    const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
    const serverKey = btoa(String.fromCharCode(...key))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    localStorage.setItem(STORED, serverKey);
    return make(serverKey) as unknown as PushSubscription;
  };
}

/**
 * The example's notifications in real Chromium: Bob turns them on in the app (its service worker subscribed and registered
 * through `client.push.register`), leaves, Ana writes; the real relay sends the encrypted Web Push to the fake push service,
 * which decrypts it, and DevTools delivers that payload to Bob's service worker as his push service would.
 */
describe('examples/react-chat notifications in Chromium', () => {
  const vapid = vapidKeys();
  let relay: Relay;
  let relayUrl: string;
  let service: FakePushService;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  const browser = new TestChromium();

  beforeAll(async () => {
    service = await new FakePushService(vapid.publicKey).start();
    const dataDir = fileURLToPath(new URL('../../../test-results/react-chat-push-relay/', import.meta.url));
    relay = await createRelay({
      port: 0,
      dataDir,
      logLevel: 'silent',
      store: { sqlite: { path: ':memory:' } },
      realtime: { offlineGraceMs: 0 },
      push: {
        enabled: true,
        content: 'full',
        allowInsecureEndpoints: true,
        allowPrivateAddresses: true,
        vapid: { ...vapid, subject: 'mailto:ops@example.com' },
      },
    });
    relayUrl = await relay.listen();
    const outDir = fileURLToPath(new URL('../../../test-results/react-chat-push-build/', import.meta.url));
    await build({
      root: ROOT,
      logLevel: 'silent',
      define: { 'import.meta.env.VITE_CHAT4ALL_URL': JSON.stringify(relayUrl) },
      build: { outDir, emptyOutDir: true },
    });
    site = await serveStatic(outDir);
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await relay?.close();
    await service?.close();
  });

  async function account(username: string): Promise<AuthSession> {
    const response = await fetch(`${relayUrl}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'password-123' }),
    });
    return (await response.json()) as AuthSession;
  }

  async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${relayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return (await response.json()) as T;
  }

  /** The id DevTools knows the app's service worker registration by, from the ServiceWorker domain's events. */
  function registrationOf(cdp: CDPSession): Promise<string> {
    return new Promise((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        const ours = registrations.find((r) => r.scopeURL === `${site.url}/` && !r.isDeleted);
        if (ours) resolve(ours.registrationId);
      });
    });
  }

  /** Every notification the app's service worker shows, read inside the worker (no window of the app is open). */
  async function notifications(context: BrowserContext) {
    const worker = context.serviceWorkers().findLast((w: Worker) => w.url() === `${site.url}/sw.js`);
    if (!worker) return 'no service worker';
    return worker.evaluate(async () => {
      const shown = await (self as unknown as ServiceWorkerGlobalScope).registration.getNotifications();
      return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown }));
    });
  }

  it('shows Ana’s message as one notification per conversation, the next replacing it, and a hand-made read payload (the shape of clear-on-read) closes those up to its seq; turned off, the device and subscription go', async () => {
    const subscription = service.subscribe();
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: site.url });
    await context.addInitScript(stubPushManager, subscription);
    const bob = await context.newPage();
    bob.setDefaultTimeout(10_000);
    const bobId = await register(bob, site.url, 'bob-push', 'Bob');
    const ana = await account('ana-push');
    const { id: conversationId } = await api<{ id: string }>(ana.accessToken, 'POST', '/v1/conversations', {
      type: 'private',
      userId: bobId,
    });

    // Bob turns notifications on: his service worker subscribes to the relay's VAPID key and the relay registers it.
    await bob.click('text=Enable notifications');
    await bob.waitForSelector('button[aria-pressed=true]:has-text("Notifications on")');
    expect(await bob.evaluate(() => localStorage.getItem('stub-push-subscription'))).toBe(vapid.publicKey);
    const bobToken = await bob.evaluate(
      () => (JSON.parse(localStorage.getItem('chat4all-example-session') ?? '{}') as AuthSession).accessToken,
    );
    const { devices } = await api<{ devices: Array<{ kind: string; endpoint: string }> }>(bobToken, 'GET', '/v1/me/devices');
    expect(devices).toEqual([expect.objectContaining({ kind: 'webpush', endpoint: subscription.endpoint })]);
    await bob.screenshot({ path: `${SCREENSHOTS}react-chat-notifications-on.png` });

    // DevTools on a blank page of Bob's browser, which outlives the app's window.
    const devtools = await context.newPage();
    const cdp = await context.newCDPSession(devtools);
    const registrationId = registrationOf(cdp);
    await cdp.send('ServiceWorker.enable');

    // Bob leaves; once the relay has him offline, Ana writes.
    await bob.close();
    await expect
      .poll(
        async () => (await api<{ presence: Array<{ status: string }> }>(ana.accessToken, 'GET', `/v1/presence?userIds=${bobId}`)).presence,
        { timeout: 10_000 },
      )
      .toEqual([expect.objectContaining({ status: 'offline' })]);
    const write = async (text: string, count: number) => {
      const messageId = crypto.randomUUID();
      await api(ana.accessToken, 'POST', `/v1/conversations/${conversationId}/messages`, { id: messageId, text });
      await service.receivedCount(count);
      const push = service.to(subscription).at(-1);
      expect(push?.problems).toEqual([]);
      expect(push?.payload).toMatchObject({ type: 'message', conversationId, messageId, text, sender: { displayName: 'ana-push' } });
      return push?.payload as PushPayload;
    };
    const deliver = async (data: unknown) =>
      cdp.send('ServiceWorker.deliverPushMessage', {
        origin: site.url,
        registrationId: await registrationId,
        data: typeof data === 'string' ? data : JSON.stringify(data),
      });
    const shown = (payload: PushPayload) => ({
      title: 'ana-push',
      body: payload.text,
      tag: conversationId,
      data: { conversationId, messageId: payload.messageId, seq: payload.seq },
    });

    // Pushes that are not the relay's show nothing: only the real one, delivered after them, is there.
    await deliver('not JSON');
    await deliver({ type: 'message', conversationId: 42, text: 'no conversation' });
    const first = await write('dinner at 8?', 1);
    await deliver(first);
    await expect.poll(() => notifications(context), { timeout: 10_000 }).toEqual([shown(first)]);

    // The conversation's next message replaces its notification (the same tag).
    const second = await write('or 9?', 2);
    await deliver(second);
    await expect.poll(() => notifications(context), { timeout: 10_000 }).toEqual([shown(second)]);

    // Read on another device: the relay's clear-on-read payload, `{ type: 'read', conversationId, seq }`, made by hand here.
    // A read up to the first message leaves the notification of the second, still unread; a push of another conversation,
    // delivered after it, shows that the read was handled.
    await deliver({ type: 'read', conversationId, seq: first.seq });
    const other = { ...second, conversationId: 'another', messageId: crypto.randomUUID(), text: 'elsewhere' };
    await deliver(other);
    const byTag = (list: Awaited<ReturnType<typeof notifications>>) =>
      typeof list === 'string' ? list : [...list].sort((a, b) => a.tag.localeCompare(b.tag));
    await expect
      .poll(async () => byTag(await notifications(context)), { timeout: 10_000 })
      .toEqual(
        byTag([
          shown(second),
          { ...shown(other), tag: 'another', data: { conversationId: 'another', messageId: other.messageId, seq: other.seq } },
        ]),
      );
    await deliver({ type: 'read', conversationId, seq: second.seq });
    await deliver({ type: 'read', conversationId: 'another', seq: other.seq });
    await expect.poll(() => notifications(context), { timeout: 10_000 }).toEqual([]);

    // Back in a new window, Bob turns them off: the relay forgets the device and the browser's subscription ends.
    const again = await context.newPage();
    again.setDefaultTimeout(10_000);
    await again.goto(site.url);
    await again.click('button[aria-pressed=true]:has-text("Notifications on")');
    await again.waitForSelector('button[aria-pressed=false]:has-text("Enable notifications")');
    expect(await again.evaluate(() => localStorage.getItem('stub-push-subscription'))).toBeNull();
    expect(await api(bobToken, 'GET', '/v1/me/devices')).toEqual({ devices: [] });
  });
});
