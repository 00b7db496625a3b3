import type { Presence } from '@chat4all/protocol';
import { RelayError } from '../errors.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';

export interface PresenceWatchesOptions {
  hub: Hub;
  /** Which of `others` share a conversation with the user now. */
  sharing(userId: string, others: string[]): Promise<Set<string>>;
  /** The users' presence now. */
  presence(userIds: readonly string[]): Promise<Presence[]>;
  /** Users one socket may watch at once. */
  maxPerConnection: number;
  onError(error: unknown, connection: Connection): void;
}

/**
 * The users each socket watches for presence: those its client asked for (`presence.subscribe`)
 * who share a conversation with its user, as the hub delivers them. A socket's requests, and the
 * checks after someone left a conversation, run one after another in the order they came, so the
 * client's last word holds. A watch ends as soon as a conversation is left, so nothing reaches a
 * watcher who may no longer see the user; it resumes, with the user's presence now, if the two
 * still share another.
 */
export class PresenceWatches {
  /** What each socket's client asked to watch (and has not unsubscribed from). */
  readonly #asked = new WeakMap<Connection, Set<string>>();
  readonly #turns = new WeakMap<Connection, Promise<unknown>>();

  constructor(private readonly options: PresenceWatchesOptions) {}

  /** Watches those of `userIds` who share a conversation with the socket's user; resolves with their presence now. */
  subscribe(connection: Connection, userIds: readonly string[]): Promise<Presence[]> {
    return this.#inTurn(connection, async () => {
      const { hub, maxPerConnection } = this.options;
      const others = [...new Set(userIds)].filter((id) => id !== connection.userId);
      const leavesBefore = hub.leaves;
      const visible = await this.options.sharing(connection.userId, others);
      let watched = others.filter((id) => visible.has(id));
      if (hub.watchingWith(connection, watched) > maxPerConnection) {
        throw new RelayError('TOO_MANY_PRESENCE_SUBSCRIPTIONS', `A socket may watch at most ${maxPerConnection} users' presence`);
      }
      if (!this.#open(connection)) return [];
      const asked = this.#askedBy(connection);
      for (const id of watched) asked.add(id);
      hub.watch(connection, watched);
      if (hub.leaves !== leavesBefore) watched = await this.#recheck(connection, watched);
      return this.options.presence(watched);
    });
  }

  unsubscribe(connection: Connection, userIds: readonly string[]): Promise<void> {
    return this.#inTurn(connection, async () => {
      const asked = this.#asked.get(connection);
      for (const id of userIds) asked?.delete(id);
      this.options.hub.unwatch(connection, userIds);
    });
  }

  /** Someone left a conversation: these watches of the socket stop now, and resume for the users it still shares one with. */
  left(connection: Connection, userIds: readonly string[]): void {
    const { hub } = this.options;
    hub.unwatch(connection, userIds);
    this.#inTurn(connection, async () => {
      const asked = this.#asked.get(connection);
      const candidates = userIds.filter((id) => asked?.has(id));
      if (candidates.length === 0 || !this.#open(connection)) return;
      const leavesBefore = hub.leaves;
      const visible = await this.options.sharing(connection.userId, candidates);
      let again = candidates.filter((id) => visible.has(id));
      hub.watch(connection, again);
      if (hub.leaves !== leavesBefore) again = await this.#recheck(connection, again);
      for (const current of await this.options.presence(again)) connection.sendFrame({ type: 'presence', ...current });
    }).catch((error: unknown) => this.options.onError(error, connection));
  }

  /**
   * A conversation was left while the socket's sharing was read: that read may predate it, and
   * the leave found no watch to end. Read again (after the leave) and end the watches it ended.
   */
  async #recheck(connection: Connection, userIds: string[]): Promise<string[]> {
    const visible = await this.options.sharing(connection.userId, userIds);
    const gone = userIds.filter((id) => !visible.has(id));
    this.options.hub.unwatch(connection, gone);
    for (const id of gone) this.#asked.get(connection)?.delete(id);
    return userIds.filter((id) => visible.has(id));
  }

  #open(connection: Connection): boolean {
    return this.options.hub.connectionsOf(connection.userId).has(connection);
  }

  #askedBy(connection: Connection): Set<string> {
    let asked = this.#asked.get(connection);
    if (!asked) {
      asked = new Set();
      this.#asked.set(connection, asked);
    }
    return asked;
  }

  /** Runs `work` after the socket's earlier presence work, whatever its outcome. */
  #inTurn<T>(connection: Connection, work: () => Promise<T>): Promise<T> {
    const next = (this.#turns.get(connection) ?? Promise.resolve()).then(work, work);
    this.#turns.set(
      connection,
      next.catch(() => {}),
    );
    return next;
  }
}
