import type { ConversationEvent, MemberRestrictedEvent, PresenceEvent, TypingEvent } from '@chat4all/protocol';

/** What every envelope may carry besides its change. */
export interface Traced {
  /** The W3C trace context of the publish, when tracing is on: each node's fan-out is its child. */
  traceparent?: string;
}

/** A change of one conversation, delivered to the connections in its room on every node. */
export interface ConversationEnvelope extends Traced {
  kind: 'conversation';
  conversationId: string;
  event: ConversationEvent | TypingEvent | MemberRestrictedEvent;
  /** Users whose connections join the room before delivery (new members, a new conversation). */
  join?: readonly string[];
  /** Users whose connections leave the room after delivery (removed members). */
  leave?: readonly string[];
  /** When set, only these users receive the event (a snapshot for new members). */
  to?: readonly string[];
  /** A user who does not receive it (the typist). */
  exclude?: string;
  /** A connection that does not receive it: the one that sent the message and already has its ack. */
  excludeConnection?: string;
}

/** A presence change, delivered to every connection watching its user (`presence.subscribe`). */
export interface PresenceEnvelope extends Traced {
  kind: 'presence';
  userId: string;
  event: PresenceEvent;
}

/** A built-in login was revoked (logout, refresh-token reuse): the user's sockets opened with its tokens close with SESSION_REVOKED. */
export interface SessionEnvelope extends Traced {
  kind: 'session';
  userId: string;
  /** The refresh-token family, the `sid` claim of its access tokens. */
  sessionId: string;
}

/** A user blocked or unblocked someone: their sockets on every node start or stop hiding that sender's messages. */
export interface BlocksEnvelope extends Traced {
  kind: 'blocks';
  userId: string;
  targetId: string;
  blocked: boolean;
}

export type BusEnvelope = ConversationEnvelope | PresenceEnvelope | SessionEnvelope | BlocksEnvelope;

/**
 * Carries events to every relay node. Per conversation, envelopes arrive in the order
 * they were published. The store is the source of truth: a bus may lose envelopes (a node
 * restarting), and clients recover through resume.
 */
export interface Bus {
  /**
   * Publisher and subscribers share one process, so a publish can be lost only with them:
   * what was committed and published once never needs publishing again. @default false
   */
  readonly inProcess?: boolean;
  publish(envelope: BusEnvelope): Promise<void>;
  /** Returns an unsubscribe function. `publishedAt` is the publisher's clock (epoch ms, fractional) for fan-out latency. */
  subscribe(listener: (envelope: BusEnvelope, publishedAt: number) => void): () => void;
  /** Resolves once envelopes published from now on are sure to reach this node's listeners. */
  ready?(): Promise<void>;
  /**
   * Called when this node may have missed envelopes (a shared bus lost its connection).
   * The relay then has its clients resume from the store. Returns an unsubscribe function.
   */
  onGap?(listener: () => void): () => void;
  close(): Promise<void>;
}
