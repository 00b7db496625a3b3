import { Chat4AllError } from './errors.js';

// The browser half of `client.push`, loaded on its first use: Node and native apps never fetch it.

const refuse = (code: 'PUSH_UNSUPPORTED' | 'PUSH_PERMISSION_DENIED' | 'PUSH_NOT_CONFIGURED', message: string, cause?: unknown) =>
  new Chat4AllError(code, message, { retryable: false, cause });

/** A key as `PushManager.subscribe` takes it: the bytes of a base64url string (`atob` forgives missing padding). */
const keyBytes = (base64url: string) => Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/**
 * The service worker's subscription to the relay's VAPID key: the one it has when it is to that key, else a new one
 * (`userVisibleOnly`, as browsers require), after ending one to another key (the relay's key changed), which the push service
 * would not let a second key replace.
 */
export async function subscribe(
  registration: ServiceWorkerRegistration,
  vapidPublicKey: () => Promise<string | null>,
): Promise<PushSubscription> {
  const manager = (registration as Partial<ServiceWorkerRegistration> | undefined)?.pushManager;
  if (!manager) throw refuse('PUSH_UNSUPPORTED', 'This browser has no Push API (PushManager)');
  const vapid = await vapidPublicKey();
  if (!vapid) throw refuse('PUSH_NOT_CONFIGURED', 'The relay has no VAPID key (push.vapid)');
  const key = keyBytes(vapid);
  try {
    const existing = await manager.getSubscription();
    const existingKey = existing?.options.applicationServerKey;
    if (existing && existingKey && String(new Uint8Array(existingKey)) === String(key)) return existing;
    await existing?.unsubscribe();
    return await manager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (error) {
    // The browser's `NotAllowedError` when the user refuses notifications; anything else, it could not subscribe.
    const denied = (error as Error | null)?.name === 'NotAllowedError';
    throw refuse(denied ? 'PUSH_PERMISSION_DENIED' : 'PUSH_UNSUPPORTED', String(error), error);
  }
}

/** This browser's subscription, from `registration` or else the page's service worker registration, if it has one. */
export async function ownSubscription(registration: ServiceWorkerRegistration | undefined): Promise<PushSubscription | null> {
  const own = registration ?? (await navigator.serviceWorker.getRegistration().catch(() => undefined));
  return (await own?.pushManager?.getSubscription().catch(() => null)) ?? null;
}
