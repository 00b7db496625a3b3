import type { TypingEvent } from '@chat4all/protocol';
import { type ReadableStore, Store } from './store.js';

/** Who else is typing, per conversation, as typing frames say. */
export class TypingStores {
  readonly #stores = new Map<string, Store<readonly string[]>>();

  of(conversationId: string): ReadableStore<readonly string[]> {
    return this.#store(conversationId);
  }

  apply(frame: TypingEvent): void {
    const store = this.#store(frame.conversationId);
    const others = store.getSnapshot().filter((userId) => userId !== frame.userId);
    store.set(frame.active ? [...others, frame.userId] : others);
  }

  #store(conversationId: string): Store<readonly string[]> {
    let store = this.#stores.get(conversationId);
    if (!store) {
      store = new Store<readonly string[]>([]);
      this.#stores.set(conversationId, store);
    }
    return store;
  }
}
