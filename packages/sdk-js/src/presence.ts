import type { Presence, PresenceEvent } from '@chat4all/protocol';
import type { Socket } from './connection/socket.js';
import { type Chat4AllError, hintedWait } from './errors.js';
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
  /** When the last presence event for the user arrived (a tick of `clock`). */
  eventAt: number;
}

/**
 * Users' presence, watched over the socket (`presence.subscribe`) while their store has a listener, watched again on
 * every new socket, and kept by presence frames. A user no one listens to any more is unwatched (their store keeps its
 * last value), so a socket watches the users on screen rather than everyone the user ever saw.
 */
export function presenceStores(socket: Pick<Socket, 'request' | 'state'>, warn: (message: string, error: unknown) => void): PresenceStores {
  const entries = new Map<string, Watched>();
  const connected = () => socket.state.getSnapshot() === 'connected';
  let wanted = new Set<string>();
  let clock = 0;

  // Subscribes a turn later, so users asked for together go in one frame; until connected, the next socket does it.
  const flush = () => {
    const ids = [...wanted].filter((id) => entries.get(id)?.watching);
    wanted = new Set();
    for (let i = 0; connected() && i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const sentAt = ++clock;
      socket.request({ type: 'presence.subscribe', userIds: batch }).then(
        ({ presence }) => {
          for (const current of presence) {
            const entry = entries.get(current.userId);
            // An event that came after the request is newer than the answer.
            if (entry && entry.eventAt < sentAt) entry.store.set(current);
          }
        },
        (error: Chat4AllError) => {
          warn('presence subscription failed', error);
          for (const id of batch) {
            const entry = entries.get(id);
            if (entry) entry.watching = false;
          }
          // Asked again for those still listened to, once the relay allows (a socket's next welcome does it too).
          if (error.retryable) setTimeout(() => rewatch(batch), hintedWait(error) ?? 1000);
        },
      );
    }
  };
  const want = (userIds: Iterable<string>) => {
    const first = wanted.size === 0;
    for (const id of userIds) wanted.add(id);
    if (first && wanted.size > 0) queueMicrotask(flush);
  };
  const rewatch = (userIds: readonly string[]) => {
    const again = userIds.filter((id) => {
      const entry = entries.get(id);
      if (!entry || entry.listeners === 0 || entry.watching) return false;
      entry.watching = true;
      return true;
    });
    want(again);
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
        entry = { store: new Store<Presence>({ userId, status: 'offline', lastSeenAt: null }), listeners: 0, watching: false, eventAt: 0 };
        entries.set(userId, entry);
      }
      const watched = entry;
      return {
        getSnapshot: watched.store.getSnapshot,
        subscribe(listener) {
          const off = watched.store.subscribe(listener);
          watched.listeners++;
          rewatch([userId]);
          return () => {
            off();
            watched.listeners--;
            queueMicrotask(() => drop(userId, watched));
          };
        },
      };
    },
    apply({ userId, status, lastSeenAt }) {
      const entry = entries.get(userId);
      if (!entry) return;
      entry.eventAt = ++clock;
      entry.store.set({ userId, status, lastSeenAt });
    },
  };
}
