import type { ServerFrame } from '@chat4all/protocol';
import type { BusEnvelope, ConversationEnvelope, SessionEnvelope } from '../bus/types.js';
import { RelayError } from '../errors.js';
import type { Connection, EventPosition } from './connection.js';

/**
 * This node's connections, by user, by conversation room and by the users whose presence
 * they watch, and the delivery of bus envelopes to them. Each envelope is serialized once,
 * whatever the number of recipients; a presence change costs one lookup of its watchers,
 * however many conversations its user is in.
 */
export class Hub {
  readonly #byUser = new Map<string, Set<Connection>>();
  readonly #rooms = new Map<string, Set<Connection>>();
  readonly #watchers = new Map<string, Set<Connection>>();
  #leaves = 0;

  /**
   * Called when someone left a conversation, with the connections whose watches it may have
   * ended (the leaver's own, and those in the room watching the leaver) and which users to check.
   */
  constructor(private readonly onLeft: (connection: Connection, userIds: readonly string[]) => void = () => {}) {}

  /** Registers a connection; call before reading its conversations so membership events in between still find it. */
  add(connection: Connection): void {
    setOf(this.#byUser, connection.userId).add(connection);
  }

  join(connection: Connection, conversationIds: Iterable<string>): void {
    for (const id of conversationIds) {
      connection.rooms.add(id);
      setOf(this.#rooms, id).add(connection);
    }
  }

  remove(connection: Connection): void {
    removeFrom(this.#byUser, connection.userId, connection);
    for (const id of connection.rooms) removeFrom(this.#rooms, id, connection);
    connection.rooms.clear();
    this.unwatch(connection, [...connection.watching]);
  }

  /** How many times someone has left a conversation, as this node learnt it: a read of who shares one may predate a change. */
  get leaves(): number {
    return this.#leaves;
  }

  /** How many users the connection would watch with these added. */
  watchingWith(connection: Connection, userIds: readonly string[]): number {
    return connection.watching.size + userIds.filter((id) => !connection.watching.has(id)).length;
  }

  watch(connection: Connection, userIds: Iterable<string>): void {
    for (const id of userIds) {
      connection.setWatching(id, true);
      setOf(this.#watchers, id).add(connection);
    }
  }

  unwatch(connection: Connection, userIds: Iterable<string>): void {
    for (const id of userIds) {
      connection.setWatching(id, false);
      removeFrom(this.#watchers, id, connection);
    }
  }

  connectionsOf(userId: string): ReadonlySet<Connection> {
    return this.#byUser.get(userId) ?? new Set();
  }

  *all(): Iterable<Connection> {
    for (const set of this.#byUser.values()) yield* set;
  }

  get size(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  /** Delivers an envelope to this node's sockets; returns how many it was sent to. */
  deliver(envelope: BusEnvelope): number {
    if (envelope.kind === 'presence') return this.#deliverPresence(envelope);
    if (envelope.kind === 'session') {
      this.#closeSession(envelope);
      return 0;
    }
    if (envelope.kind === 'blocks') {
      for (const connection of this.connectionsOf(envelope.userId)) connection.setHidden(envelope.targetId, envelope.blocked);
      return 0;
    }
    return this.#deliverToRoom(envelope);
  }

  closeAll(error: RelayError): void {
    for (const set of this.#byUser.values()) {
      for (const connection of set) connection.close(error);
    }
  }

  #deliverToRoom(envelope: ConversationEnvelope): number {
    const { conversationId } = envelope;
    let sent = 0;
    for (const userId of envelope.join ?? []) {
      for (const connection of this.connectionsOf(userId)) this.join(connection, [conversationId]);
    }
    const room = this.#rooms.get(conversationId);
    if (room) {
      // Encoded once, for the first recipient (the sender's own node often has none): ws
      // would otherwise turn the same string into bytes for every socket.
      let payload: Buffer | undefined;
      let position: EventPosition | undefined;
      const to = envelope.to ? new Set(envelope.to) : null;
      const senderId = 'message' in envelope.event ? envelope.event.message.senderId : null;
      for (const connection of room) {
        if (connection.userId === envelope.exclude || connection.id === envelope.excludeConnection) continue;
        if (to && !to.has(connection.userId)) continue;
        if (senderId !== null && connection.hidden.has(senderId)) continue;
        if (!payload) {
          payload = Buffer.from(JSON.stringify(envelope.event satisfies ServerFrame));
          position = positionOf(envelope);
        }
        connection.deliver(payload, position);
        sent++;
      }
    }
    for (const userId of envelope.leave ?? []) {
      this.#leaves++;
      for (const connection of this.connectionsOf(userId)) {
        connection.rooms.delete(conversationId);
        removeFrom(this.#rooms, conversationId, connection);
        if (connection.watching.size > 0) this.onLeft(connection, [...connection.watching]);
      }
      for (const watcher of this.#watchers.get(userId) ?? []) {
        if (watcher.rooms.has(conversationId)) this.onLeft(watcher, [userId]);
      }
    }
    return sent;
  }

  /** Closes the user's sockets whose token (or the one they are renewing to) belongs to the revoked login. */
  #closeSession({ userId, sessionId }: SessionEnvelope): void {
    for (const connection of [...this.connectionsOf(userId)]) {
      if (!connection.hasSession(sessionId)) continue;
      connection.close(new RelayError('SESSION_REVOKED', 'This login was ended (logout or a reused refresh token); sign in again'));
    }
  }

  #deliverPresence(envelope: Extract<BusEnvelope, { kind: 'presence' }>): number {
    const watchers = this.#watchers.get(envelope.userId);
    if (!watchers) return 0;
    const payload = Buffer.from(JSON.stringify(envelope.event satisfies ServerFrame));
    for (const connection of watchers) connection.deliver(payload, undefined);
    return watchers.size;
  }
}

function positionOf({ conversationId, event }: ConversationEnvelope): EventPosition | undefined {
  switch (event.type) {
    case 'message.created':
      return { conversationId, seq: event.message.seq };
    case 'conversation.created':
      return { conversationId, snapshot: true };
    case 'typing':
    case 'member.restricted':
      return undefined;
    default:
      return event.eventSeq === undefined ? { conversationId } : { conversationId, eventSeq: event.eventSeq };
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
