import type { Device, PushInfo } from '@chat4all/protocol';
import { type Rest, restPath } from './rest.js';

export type { Device, PushInfo } from '@chat4all/protocol';

/** A browser: its service worker gets the pushes (the Push API's `PushManager`). */
export interface BrowserPushOptions {
  /** The registration of the service worker that handles `push` events (`await navigator.serviceWorker.register('/sw.js')`). */
  serviceWorker: ServiceWorkerRegistration;
}

/** A native app: the token its platform gave it, posted as it is. */
export type NativePushOptions =
  /** Firebase Cloud Messaging: the registration token from `getToken()`. */
  | { kind: 'fcm'; token: string }
  /** Apple Push Notification service: the device token in hex, and the APNs environment it belongs to (the relay's default when left out). */
  | { kind: 'apns'; token: string; environment?: 'production' | 'sandbox' };

/** The user's push devices, as `client.push` hands them out. */
export interface Push {
  /**
   * Registers this device for the user's push notifications; resolves with the relay's device (registering the same
   * subscription or token again keeps its id). In a browser: subscribes the service worker's `PushManager` to the relay's
   * VAPID key, reusing a subscription it already has to that key, and registers the subscription.
   */
  register(options: BrowserPushOptions | NativePushOptions): Promise<Device>;
  /** The user's registered devices, oldest first. */
  devices(): Promise<Device[]>;
  /** Removes a device; when it is this browser's subscription, the browser is unsubscribed too. */
  unregister(deviceId: string): Promise<void>;
  /** Whether the relay sends pushes, and its VAPID public key (`GET /v1/push`). */
  info(): Promise<PushInfo>;
}

/**
 * Push devices over REST (`/v1/push`, `/v1/me/devices`). The browser's part (`push-browser.ts`) is loaded when a browser
 * registers or unregisters. Unregistering the device of this browser's own subscription (that of the service worker
 * registration last registered here, else the page's) also ends it at the browser's push service.
 */
export function pushOf(rest: Rest): Push {
  let worker: ServiceWorkerRegistration | undefined;
  const info = () => rest.request<PushInfo>('GET', '/v1/push');
  const post = (body: unknown) => rest.request<Device>('POST', '/v1/me/devices', body);
  const devices = async () => (await rest.request<{ devices: Device[] }>('GET', '/v1/me/devices')).devices;
  const browser = () => import('./push-browser.js');
  return {
    info,
    async register(options) {
      if (!('serviceWorker' in options)) return post(options);
      const subscription = await (await browser()).subscribe(options.serviceWorker, async () => (await info()).vapidPublicKey);
      worker = options.serviceWorker;
      return post({ kind: 'webpush', subscription: subscription.toJSON() });
    },
    devices,
    async unregister(deviceId) {
      const subscription = worker || globalThis.navigator?.serviceWorker ? await (await browser()).ownSubscription(worker) : null;
      const ours = !!subscription && (await devices()).some((d) => d.id === deviceId && d.endpoint === subscription.endpoint);
      await rest.request('DELETE', restPath`/v1/me/devices/${deviceId}`);
      if (ours) await subscription.unsubscribe();
    },
  };
}
