import type { ChannelHealth, Contact } from '@chat4all/protocol';
import { SpanKind, type Tracing } from '../observability/tracing.js';
import type { Bus, BusEnvelope } from './types.js';

/** Where services publish what changed: the bus, seen on the way by this node's observers. */
export interface Publisher {
  /** True when every subscriber is in this process (see `Bus.inProcess`). */
  readonly inProcess?: boolean;
  publish(envelope: BusEnvelope): Promise<void>;
}

/**
 * What happened on this node, for features that report it elsewhere (app webhooks): each
 * change is seen once, on the node where it happened, never again from the bus.
 */
export interface NodeObserver {
  /** An envelope this node publishes, before it goes to the bus. */
  published?(envelope: BusEnvelope): void;
  /** A channel account went on hold or came off it. */
  channelHealth?(health: ChannelHealth): void;
  /** A contact wrote for the first time, or was added by the server API. */
  contactCreated?(contact: Contact): void;
}

/** The node's publisher, with the observers of what it publishes and reports. */
export class NodeEvents implements Publisher {
  readonly #observers = new Set<NodeObserver>();

  constructor(
    private readonly bus: Bus,
    private readonly tracing?: Tracing,
  ) {}

  get inProcess(): boolean {
    return this.bus.inProcess === true;
  }

  /** Adds an observer; the function returned removes it. */
  observe(observer: NodeObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /**
   * Observed, then sent to the bus, in the caller's turn (publish order is the caller's). Traced,
   * it is a producer span whose `traceparent` the envelope carries to each node's fan-out.
   */
  publish(envelope: BusEnvelope): Promise<void> {
    if (!this.tracing?.enabled) return this.#publish(envelope);
    const type = envelope.kind === 'conversation' || envelope.kind === 'presence' ? envelope.event.type : envelope.kind;
    const attributes = envelope.kind === 'conversation' ? { 'chat4all.conversation_id': envelope.conversationId } : {};
    return this.tracing.span(`chat4all.publish ${type}`, { kind: SpanKind.PRODUCER, attributes }, () => {
      envelope.traceparent = this.tracing?.traceparent();
      return this.#publish(envelope);
    });
  }

  #publish(envelope: BusEnvelope): Promise<void> {
    for (const observer of this.#observers) observer.published?.(envelope);
    return this.bus.publish(envelope);
  }

  channelHealth(health: ChannelHealth): void {
    for (const observer of this.#observers) observer.channelHealth?.(health);
  }

  contactCreated(contact: Contact): void {
    for (const observer of this.#observers) observer.contactCreated?.(contact);
  }
}
