// The example's service worker: the relay's pushes as notifications, one per conversation.
// A push's payload is JSON (docs/protocol.md, PushPayload): `{ type: 'message', conversationId,
// messageId, seq, sender?, text? }`, or `{ type: 'read', conversationId, seq }` once the user has
// read the conversation on some device.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let payload = null;
  try {
    payload = event.data?.json() ?? null;
  } catch {
    // Not JSON: not one of the relay's.
  }
  if (typeof payload?.conversationId !== 'string') return;
  event.waitUntil(payload.type === 'read' ? clear(payload.conversationId, payload.seq) : notify(payload));
});

/**
 * Chrome wants every push (the subscription is `userVisibleOnly`) to show a notification unless
 * a window of the site is focused (https://web.dev/articles/push-notifications-handling-messages);
 * it lets a few pass silently (a budget), then shows its own "site has been updated in the
 * background" notice.
 */
async function windowFocused() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return windows.some((window) => window.focused);
}

/** Shows a message, replacing the conversation's previous notification (same `tag`). */
async function notify(payload) {
  if (payload.type !== 'message') return;
  // A window of the app in focus shows the message itself: a notification would repeat it, and Chrome asks for none then.
  if (await windowFocused()) return;
  const title = payload.sender?.displayName ?? payload.sender?.id ?? 'New message';
  await self.registration.showNotification(title, {
    body: payload.text ?? 'New message',
    tag: payload.conversationId,
    renotify: true,
    data: { conversationId: payload.conversationId, messageId: payload.messageId, seq: payload.seq },
  });
}

/**
 * Read on some device up to `seq`: the conversation's notifications of messages up to it go; one
 * of a later message (a push that overtook the read) stays. A read that closes nothing with no
 * window focused shows nothing either: it is one of the few silent pushes Chrome allows, and
 * the relay sends a read only after a message push to the same devices, so they stay rare.
 */
async function clear(conversationId, seq) {
  const upTo = typeof seq === 'number' ? seq : Number.POSITIVE_INFINITY;
  for (const notification of await self.registration.getNotifications({ tag: conversationId }))
    if (!(notification.data?.seq > upTo)) notification.close();
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(open(event.notification.data?.conversationId));
});

/** Brings a window of the app forward at the conversation, or opens one there. */
async function open(conversationId) {
  const [window] = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (window) {
    window.postMessage({ type: 'open-conversation', conversationId });
    await window.focus();
    return;
  }
  const url = new URL(self.registration.scope);
  if (conversationId) url.searchParams.set('conversation', conversationId);
  await self.clients.openWindow(url.href);
}
