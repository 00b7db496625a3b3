import type { Presence, PresenceEvent } from '@chat4all/protocol';
import type { Socket } from './connection/socket.js';
import { type ReadableStore, Store } from './store.js';

/** Users one `presence.subscribe` frame may name. */
const BATCH = 500;

export interface PresenceStores {
  of(userId: string): ReadableStore<Presence>;
  apply(frame: PresenceEvent): void;
}

interface Watched {
  store: Store<Presence>;
  listeners: number;
  /** Subscribed on the relay (or to be, once connected). */
  watching: boolean;
}

/**
 * Users' presence, watched over the socket (`presence.subscribe`) from the first time one is asked for, watched again on
 * every new socket, and kept by presence frames. A user no one listens to any more is unwatched (their store keeps its
 * last value, and is watched again on the next listener), so a socket watches the users on screen rather than everyone
 * the user ever saw.
 */
export function presenceStores(socket: Pick<Socket, 'request' | 'state'>, warn: (message: string, error: unknown) => void): PresenceStores {
  const entries = new Map<string, Watched>();
  const connected = () => socket.state.getSnapshot() === 'connected';
  let wanted = new Set<string>();

  // Subscribes a turn later, so users asked for together go in one frame; until connected, the next socket does it.
  const flush = () => {
    const ids = [...wanted].filter((id) => entries.get(id)?.watching);
    wanted = new Set();
    for (let i = 0; connected() && i < ids.length; i += BATCH) {
      socket.request({ type: 'presence.subscribe', userIds: ids.slice(i, i + BATCH) }).then(
        ({ presence }) => {
          for (const current of presence) entries.get(current.userId)?.store.set(current);
        },
        (error: unknown) => warn('presence subscription failed', error),
      );
    }
  };
  const want = (userIds: Iterable<string>) => {
    const first = wanted.size === 0;
    for (const id of userIds) wanted.add(id);
    if (first && wanted.size > 0) queueMicrotask(flush);
  };
  const watch = (userId: string, entry: Watched) => {
    if (entry.watching) return;
    entry.watching = true;
    want([userId]);
  };
  // Checked a turn after a listener leaves: a component that resubscribes at once (React's strict mode) keeps its watch.
  const drop = (userId: string, entry: Watched) => {
    if (entry.listeners > 0 || !entry.watching) return;
    entry.watching = false;
    if (connected()) socket.request({ type: 'presence.unsubscribe', userIds: [userId] }).catch(() => {});
  };
  // A new socket watches nothing: every user still watched is subscribed again, with their presence now.
  socket.state.subscribe(() => want([...entries.keys()]));

  return {
    of(userId) {
      let entry = entries.get(userId);
      if (!entry) {
        entry = { store: new Store<Presence>({ userId, status: 'offline', lastSeenAt: null }), listeners: 0, watching: false };
        entries.set(userId, entry);
      }
      const watched = entry;
      watch(userId, watched);
      return {
        getSnapshot: watched.store.getSnapshot,
        subscribe(listener) {
          watch(userId, watched);
          const off = watched.store.subscribe(listener);
          watched.listeners++;
          return () => {
            off();
            watched.listeners--;
            queueMicrotask(() => drop(userId, watched));
          };
        },
      };
    },
    apply({ userId, status, lastSeenAt }) {
      entries.get(userId)?.store.set({ userId, status, lastSeenAt });
    },
  };
}
