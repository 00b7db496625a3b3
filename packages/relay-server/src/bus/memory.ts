import type { Bus, BusEnvelope } from './types.js';

/**
 * The in-process bus of the embedded mode. Delivery is deferred to a microtask so a publish
 * never runs fan-out inside the caller (the append path), and stays in publish order.
 */
export class MemoryBus implements Bus {
  readonly inProcess = true;
  #listeners = new Set<(envelope: BusEnvelope, publishedAt: number) => void>();
  #queue: Array<{ envelope: BusEnvelope; at: number }> = [];
  #scheduled = false;

  async publish(envelope: BusEnvelope): Promise<void> {
    this.#queue.push({ envelope, at: performance.timeOrigin + performance.now() });
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#deliver());
  }

  subscribe(listener: (envelope: BusEnvelope, publishedAt: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#queue = [];
  }

  #deliver(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const { envelope, at } of queue) {
      for (const listener of this.#listeners) listener(envelope, at);
    }
  }
}
