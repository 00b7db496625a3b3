import type { WorkItem, WorkQueue } from './types.js';

/**
 * The in-process work queue of an embedded relay: items wait in memory and up to
 * `concurrency` run at once. A failed item is not retried by the queue; what must survive a
 * restart (channel deliveries) is kept in the store and enqueued again from there.
 */
export class MemoryWorkQueue<T> implements WorkQueue<T> {
  readonly #items: Array<WorkItem<T>> = [];
  readonly #concurrency: number;
  #handler: ((item: WorkItem<T>) => Promise<void>) | undefined;
  #running = 0;
  #next = 0;
  readonly #idle = new Set<() => void>();

  constructor(options: { concurrency?: number } = {}) {
    this.#concurrency = options.concurrency ?? 8;
  }

  async enqueue(payload: T): Promise<string> {
    const id = String(++this.#next);
    this.#items.push({ id, payload });
    this.#pump();
    return id;
  }

  work(handler: (item: WorkItem<T>) => Promise<void>): { stop(): Promise<void> } {
    if (this.#handler) throw new Error('this queue is already being worked');
    this.#handler = handler;
    this.#pump();
    return { stop: () => this.close() };
  }

  /** Stops taking items and waits for the ones running. */
  async close(): Promise<void> {
    this.#handler = undefined;
    if (this.#running > 0) await new Promise<void>((resolve) => this.#idle.add(resolve));
  }

  #pump(): void {
    while (this.#handler && this.#running < this.#concurrency && this.#items.length > 0) {
      const item = this.#items.shift() as WorkItem<T>;
      const handler = this.#handler;
      this.#running++;
      void handler(item)
        .catch(() => {})
        .finally(() => {
          this.#running--;
          if (this.#running === 0) {
            for (const resolve of this.#idle) resolve();
            this.#idle.clear();
          }
          this.#pump();
        });
    }
  }
}
