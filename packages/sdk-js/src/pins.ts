import type { Pin } from '@chat4all/protocol';
import type { Conversations } from './cache/conversations.js';
import type { Socket } from './connection/socket.js';
import { type Rest, restPath } from './rest.js';
import type { ReadableStore } from './store.js';

export type { Pin } from '@chat4all/protocol';

/** How long a pin lasts. */
export interface PinOptions {
  /** When the pin lapses: an RFC 3339 time in the future (`date.toISOString()`). @default null: until unpinned */
  until?: string | null;
}

/** Pinned messages, as the client facade hands them out. */
export interface Pins {
  /** Pins a message; resolves with the pin. The conversation's pins change when the relay's `pin.updated` arrives. */
  pin(conversationId: string, messageId: string, options?: PinOptions): Promise<Pin>;
  unpin(conversationId: string, messageId: string): Promise<void>;
  /** A conversation's current pins, newest first. */
  of(conversationId: string): ReadableStore<readonly Pin[]>;
}

const NO_PINS: readonly Pin[] = [];

/**
 * Pins and unpins over the socket, and each conversation's current pins from its cache: asked of the relay on first use,
 * then kept by the conversation's reducer (`pin.updated`, live and on resume, reaches the user's own sockets too). A pin
 * leaves the cache when it lapses, as it leaves the relay's list, without a frame.
 */
export function pinsOf(
  rest: Rest,
  socket: Pick<Socket, 'request'>,
  conversations: Conversations,
  warn: (message: string, error: unknown) => void,
): Pins {
  const stores = new Map<string, ReadableStore<readonly Pin[]>>();
  const watch = (conversationId: string) => {
    const cache = conversations.get(conversationId);
    const { state } = cache;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const lapse = () => {
      const pins = state.getSnapshot().pins ?? NO_PINS;
      const now = Date.now();
      const live = pins.filter((p) => !(Date.parse(p.expiresAt ?? '') <= now));
      clearTimeout(timer);
      // Dropping lapsed pins changes the state, which calls this again for the next one. Unref'd in Node: a pin lapsing
      // next month keeps no process alive.
      if (live.length < pins.length) return cache.dispatch({ type: 'pins', pins: live });
      timer = setTimeout(lapse, Math.min(...pins.map((p) => Date.parse(p.expiresAt ?? '9999') - now), 2e9));
      (timer as { unref?(): void }).unref?.();
    };
    state.subscribe(lapse);
    cache.dispatch({ type: 'pins.loading' });
    rest.request<{ pins: Pin[] }>('GET', restPath`/v1/conversations/${conversationId}/pins`).then(
      ({ pins }) => cache.dispatch({ type: 'pins', pins }),
      (error: unknown) => warn('pins failed', error),
    );
    const store = { subscribe: state.subscribe, getSnapshot: () => state.getSnapshot().pins ?? NO_PINS };
    stores.set(conversationId, store);
    return store;
  };
  return {
    pin: (conversationId, messageId, options) => socket.request({ type: 'pin.add', conversationId, messageId, ...options }),
    unpin: async (conversationId, messageId) => {
      await socket.request({ type: 'pin.remove', conversationId, messageId });
    },
    of: (conversationId) => stores.get(conversationId) ?? watch(conversationId),
  };
}
