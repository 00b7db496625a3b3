import type { Chat4AllClient } from '@chat4all/sdk-js';

/** Whether this browser can get pushes at all: a service worker and the Push API. */
export const pushSupported = typeof navigator !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined';

/** The app's service worker (`public/sw.js`, served next to index.html), registered once per page. */
let worker: Promise<ServiceWorkerRegistration> | undefined;
export function serviceWorker(): Promise<ServiceWorkerRegistration> {
  worker ??= navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
  return worker;
}

/** This browser's device at the relay, when its service worker is subscribed and registered. */
export async function currentDevice(client: Chat4AllClient): Promise<string | null> {
  const subscription = await (await serviceWorker()).pushManager.getSubscription();
  if (!subscription) return null;
  const devices = await client.push.devices();
  return devices.find((device) => device.endpoint === subscription.endpoint)?.id ?? null;
}

/** Asks for the permission (from the click, as Safari wants it), subscribes and registers this browser. */
export async function enableNotifications(client: Chat4AllClient): Promise<string> {
  if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications are blocked for this site');
  return (await client.push.register({ serviceWorker: await serviceWorker() })).id;
}

/** Conversations the service worker asks the app to open (a notification clicked while a window was open). */
export function onOpenConversation(open: (conversationId: string) => void): () => void {
  if (!pushSupported) return () => {};
  const listener = (event: MessageEvent<{ type?: string; conversationId?: string }>) => {
    if (event.data?.type === 'open-conversation' && event.data.conversationId) open(event.data.conversationId);
  };
  navigator.serviceWorker.addEventListener('message', listener);
  return () => navigator.serviceWorker.removeEventListener('message', listener);
}

/** The conversation a notification opened the app at (`?conversation=`), taken off the address once read. */
export function conversationFromUrl(): string | undefined {
  const url = new URL(window.location.href);
  const id = url.searchParams.get('conversation') ?? undefined;
  if (id) {
    url.searchParams.delete('conversation');
    history.replaceState(null, '', url);
  }
  return id;
}
