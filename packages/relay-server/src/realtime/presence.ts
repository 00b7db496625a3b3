import type { Presence, PresenceStatus } from '@chat4all/protocol';

/** What can happen to a user's presence. `expire` is the end of the grace after their last socket closed. */
export type PresenceInput = 'connect' | 'activity' | 'idle' | 'expire';

/** The presence state machine. A missing entry means the input changes nothing. */
export const PRESENCE_TRANSITIONS: Record<PresenceStatus, Partial<Record<PresenceInput, PresenceStatus>>> = {
  offline: { connect: 'online', activity: 'online' },
  online: { idle: 'away', expire: 'offline' },
  away: { connect: 'online', activity: 'online', expire: 'offline' },
};

export function nextPresence(status: PresenceStatus, input: PresenceInput): PresenceStatus {
  return PRESENCE_TRANSITIONS[status][input] ?? status;
}

export interface PresenceOptions {
  /** Idle time after which an online user becomes away. */
  awayAfterMs: number;
  /** Grace after the last socket closes before the user is offline, so a reload does not flap. */
  offlineGraceMs: number;
}

interface Entry {
  status: PresenceStatus;
  connections: number;
  lastSeenAt: number | null;
  grace?: ReturnType<typeof setTimeout>;
}

/**
 * Presence of the users connected to this node, driven by socket opens and closes and by
 * client activity (any frame). `onChange` fires only when the visible status changes.
 *
 * Idleness is found by one sweep every second over the connected users rather than a timer
 * per user, which would cost a few hundred bytes per connection; a user turns away within a
 * second after `awayAfterMs`.
 */
export class PresenceTracker {
  readonly #users = new Map<string, Entry>();
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(
    private readonly options: PresenceOptions,
    private readonly onChange: (presence: Presence) => void,
  ) {
    this.#sweep = setInterval(() => this.#findIdle(), Math.min(1_000, options.awayAfterMs));
    this.#sweep.unref?.();
  }

  get(userId: string): Presence {
    return toPresence(userId, this.#users.get(userId));
  }

  connected(userId: string): void {
    const entry = this.#entry(userId);
    entry.connections++;
    clearTimeout(entry.grace);
    entry.grace = undefined;
    this.#touch(userId, entry, 'connect');
  }

  activity(userId: string): void {
    const entry = this.#users.get(userId);
    if (entry && entry.connections > 0) this.#touch(userId, entry, 'activity');
  }

  disconnected(userId: string): void {
    const entry = this.#users.get(userId);
    if (!entry || entry.connections === 0) return;
    entry.connections--;
    if (entry.connections > 0) return;
    entry.grace = setTimeout(() => {
      entry.grace = undefined;
      this.#apply(userId, entry, 'expire');
    }, this.options.offlineGraceMs);
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const entry of this.#users.values()) clearTimeout(entry.grace);
    this.#users.clear();
  }

  #findIdle(): void {
    const idleSince = Date.now() - this.options.awayAfterMs;
    for (const [userId, entry] of this.#users) {
      if (entry.status === 'online' && entry.connections > 0 && (entry.lastSeenAt ?? 0) <= idleSince) this.#apply(userId, entry, 'idle');
    }
  }

  #entry(userId: string): Entry {
    let entry = this.#users.get(userId);
    if (!entry) {
      entry = { status: 'offline', connections: 0, lastSeenAt: null };
      this.#users.set(userId, entry);
    }
    return entry;
  }

  #touch(userId: string, entry: Entry, input: PresenceInput): void {
    entry.lastSeenAt = Date.now();
    this.#apply(userId, entry, input);
  }

  #apply(userId: string, entry: Entry, input: PresenceInput): void {
    const next = nextPresence(entry.status, input);
    if (next === entry.status) return;
    entry.status = next;
    this.onChange(toPresence(userId, entry));
  }
}

function toPresence(userId: string, entry: Entry | undefined): Presence {
  return {
    userId,
    status: entry?.status ?? 'offline',
    lastSeenAt: entry?.lastSeenAt ? new Date(entry.lastSeenAt).toISOString() : null,
  };
}
