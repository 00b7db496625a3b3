import type { Bus, BusEnvelope } from '../bus/types.js';

/** The relay's bus, with what this node publishes also shown to `observe` (app webhooks see each change once, where it happened). */
export class ObservedBus implements Bus {
  constructor(
    private readonly bus: Bus,
    private readonly observe: (envelope: BusEnvelope) => void,
  ) {}

  get inProcess(): boolean {
    return this.bus.inProcess === true;
  }

  publish(envelope: BusEnvelope): Promise<void> {
    this.observe(envelope);
    return this.bus.publish(envelope);
  }

  subscribe(listener: (envelope: BusEnvelope, publishedAt: number) => void): () => void {
    return this.bus.subscribe(listener);
  }

  ready(): Promise<void> {
    return this.bus.ready?.() ?? Promise.resolve();
  }

  onGap(listener: () => void): () => void {
    return this.bus.onGap?.(listener) ?? (() => {});
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
