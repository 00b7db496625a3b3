import type { Presence, PresenceEvent } from '@chat4all/protocol';
import { type Rest, restPath } from './rest.js';
import { type ReadableStore, Store } from './store.js';

/** Users' presence: asked of the relay on first use, then kept by presence frames. */
export class PresenceStores {
  readonly #stores = new Map<string, Store<Presence>>();
  readonly #rest: Rest;
  readonly #warn: (message: string, error: unknown) => void;

  constructor(rest: Rest, warn: (message: string, error: unknown) => void) {
    this.#rest = rest;
    this.#warn = warn;
  }

  of(userId: string): ReadableStore<Presence> {
    let store = this.#stores.get(userId);
    if (!store) {
      const created = new Store<Presence>({ userId, status: 'offline', lastSeenAt: null });
      store = created;
      this.#stores.set(userId, created);
      this.#rest.request<{ presence: Presence[] }>('GET', restPath`/v1/presence?userIds=${userId}`).then(
        ({ presence }) => {
          const found = presence[0];
          if (found) created.set(found);
        },
        (error: unknown) => this.#warn('presence lookup failed', error),
      );
    }
    return store;
  }

  /** Only users someone asked about are kept. */
  apply(frame: PresenceEvent): void {
    this.#stores.get(frame.userId)?.set({ userId: frame.userId, status: frame.status, lastSeenAt: frame.lastSeenAt });
  }
}
