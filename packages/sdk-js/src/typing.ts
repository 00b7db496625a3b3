import type { TypingEvent } from '@chat4all/protocol';
import { type ReadableStore, Store } from './store.js';

/** Who else is typing, per conversation and per thread (each its own), as typing frames say. */
export class TypingStores {
  readonly #stores = new Map<string, Store<readonly string[]>>();

  of(conversationId: string, threadId?: string): ReadableStore<readonly string[]> {
    return this.#store(conversationId, threadId);
  }

  apply(frame: TypingEvent): void {
    const store = this.#store(frame.conversationId, frame.threadId);
    const others = store.getSnapshot().filter((userId) => userId !== frame.userId);
    store.set(frame.active ? [...others, frame.userId] : others);
  }

  #store(conversationId: string, threadId?: string): Store<readonly string[]> {
    const key = threadId ? `${conversationId}/${threadId}` : conversationId;
    let store = this.#stores.get(key);
    if (!store) {
      store = new Store<readonly string[]>([]);
      this.#stores.set(key, store);
    }
    return store;
  }
}
