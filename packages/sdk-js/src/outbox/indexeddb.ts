import type { OutboxEntry, OutboxStorage } from './storage.js';

const STORE = 'outbox';

/**
 * The browser outbox: one IndexedDB object store keyed by message id. Each `put` and
 * `delete` is its own transaction and resolves only once it has committed, so a message
 * the UI shows as pending is on disk before anything is sent.
 */
export class IndexedDBOutboxStorage implements OutboxStorage {
  #db: Promise<IDBDatabase> | null = null;

  /** @param name database name; use one per signed-in user. @default 'chat4all-outbox' */
  constructor(private readonly name = 'chat4all-outbox') {}

  async load(): Promise<OutboxEntry[]> {
    const db = await this.#open();
    return request<OutboxEntry[]>(db.transaction(STORE, 'readonly').objectStore(STORE).getAll());
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.#write((store) => store.put(entry));
  }

  async delete(id: string): Promise<void> {
    await this.#write((store) => store.delete(id));
  }

  async #write(change: (store: IDBObjectStore) => IDBRequest): Promise<void> {
    const db = await this.#open();
    const transaction = db.transaction(STORE, 'readwrite');
    change(transaction.objectStore(STORE));
    await new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const opening = indexedDB.open(this.name, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: 'id' });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
    return this.#db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

/** IndexedDB when the platform has it, else nothing (the caller falls back to memory). */
export function defaultBrowserStorage(): IndexedDBOutboxStorage | null {
  return typeof indexedDB === 'undefined' ? null : new IndexedDBOutboxStorage();
}
