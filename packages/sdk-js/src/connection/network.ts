import type { Socket } from './socket.js';

/**
 * Browser hints: go offline at once when the platform says so, reconnect when it is back,
 * and skip the rest of a backoff wait when the page becomes visible again.
 */
export function watchNetwork(socket: Socket): void {
  const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
  if (typeof target.addEventListener !== 'function' || typeof (globalThis as { navigator?: unknown }).navigator === 'undefined') return;
  target.addEventListener('offline', () => socket.setOnline(false));
  target.addEventListener('online', () => socket.setOnline(true));
  const page = (globalThis as { document?: { visibilityState: string; addEventListener(type: string, listener: () => void): void } })
    .document;
  page?.addEventListener('visibilitychange', () => {
    if (page.visibilityState === 'visible') socket.retryNow();
  });
}
