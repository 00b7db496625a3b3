import type { Presence } from '@chat4all/protocol';
import { BackgroundWork } from '../shared/background.js';
import type { PresenceInput } from '../shared/presence.js';
import type { SharedState } from '../shared/types.js';
import { DEFAULT_CONNECTION_TTL_MS } from '../shared/types.js';

export interface PresenceOptions {
  /** Idle time after which an online user becomes away. */
  awayAfterMs: number;
  /** Grace after the last socket closes before the user is offline, so a reload does not flap. */
  offlineGraceMs: number;
  /** How long a connection counts without renewal (a node that dies stops counting after it). @default 30000 */
  connectionTtlMs?: number;
}

/** Activity is reported to the shared state at most this often per user and node. */
const ACTIVITY_REPORT_MS = 1_000;

interface Local {
  connections: Set<string>;
  /** Last frame from any of the user's sockets on this node. */
  lastActivity: number;
  /** When activity was last reported to the shared state. */
  reportedAt: number;
  grace?: ReturnType<typeof setTimeout>;
}

/**
 * Presence across every node. Status, last-seen and the count of live connections live in
 * the shared state; this node reports its own sockets' opens, closes and activity, and
 * `onChange` fires once per visible status change, on whichever node made it.
 *
 * Idleness is found by one sweep every second over this node's users rather than a timer
 * per user; a user turns away within a second or two after `awayAfterMs`. The same sweep
 * renews this node's connections and marks offline the users of a node that died.
 */
export class PresenceTracker {
  readonly #local = new Map<string, Local>();
  readonly #work: BackgroundWork;
  readonly #sweep: ReturnType<typeof setInterval>;
  readonly #renew: ReturnType<typeof setInterval>;

  constructor(
    private readonly shared: SharedState,
    private readonly options: PresenceOptions,
    private readonly onChange: (presence: Presence) => void,
    onError: (error: unknown) => void = () => {},
  ) {
    this.#work = new BackgroundWork(onError);
    this.#sweep = setInterval(() => this.#onSweep(), Math.min(1_000, options.awayAfterMs));
    this.#sweep.unref?.();
    this.#renew = setInterval(() => this.#onRenew(), (options.connectionTtlMs ?? DEFAULT_CONNECTION_TTL_MS) / 3);
    this.#renew.unref?.();
  }

  async get(userIds: readonly string[]): Promise<Presence[]> {
    return this.shared.presence(userIds);
  }

  /** Registers a socket; false when the user already has `max` on every node together. */
  async connect(userId: string, connectionId: string, max: number): Promise<boolean> {
    if (!(await this.shared.addConnection(userId, connectionId, max))) return false;
    const now = Date.now();
    const local = this.#local.get(userId) ?? { connections: new Set<string>(), lastActivity: now, reportedAt: now };
    this.#local.set(userId, local);
    local.connections.add(connectionId);
    local.lastActivity = now;
    local.reportedAt = now;
    clearTimeout(local.grace);
    local.grace = undefined;
    this.#emit(await this.shared.applyPresence(userId, 'connect', this.options.awayAfterMs));
    return true;
  }

  /** A frame from one of the user's sockets. */
  activity(userId: string): void {
    const local = this.#local.get(userId);
    if (!local || local.connections.size === 0) return;
    const now = Date.now();
    local.lastActivity = now;
    if (now - local.reportedAt < ACTIVITY_REPORT_MS) return;
    local.reportedAt = now;
    this.#apply(userId, 'activity');
  }

  /** A socket closed. When the user has none left on any node, they go offline after the grace. */
  disconnected(userId: string, connectionId: string): void {
    const local = this.#local.get(userId);
    if (!local?.connections.delete(connectionId)) return;
    this.#work.run(
      this.shared.removeConnection(userId, connectionId).then((remaining) => {
        if (remaining > 0 || local.connections.size > 0) return;
        clearTimeout(local.grace);
        local.grace = setTimeout(() => {
          local.grace = undefined;
          if (local.connections.size === 0) this.#local.delete(userId);
          this.#apply(userId, 'expire');
        }, this.options.offlineGraceMs);
      }),
    );
  }

  /** Stops the timers and waits for reports already made. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    clearInterval(this.#renew);
    for (const local of this.#local.values()) clearTimeout(local.grace);
    this.#local.clear();
    await this.#work.settled();
  }

  #onSweep(): void {
    const now = Date.now();
    for (const [userId, local] of this.#local) {
      if (local.connections.size === 0 || local.lastActivity > now - this.options.awayAfterMs) continue;
      // Checked once per idle period: the shared state knows whether another node saw the user meanwhile.
      local.lastActivity = now;
      this.#apply(userId, 'idle');
    }
    this.#work.run(
      this.shared.reapPresence(this.options.offlineGraceMs).then((reaped) => {
        for (const presence of reaped) this.#emit(presence);
      }),
    );
  }

  #onRenew(): void {
    const connections = [...this.#local].flatMap(([userId, local]) =>
      [...local.connections].map((connectionId) => ({ userId, connectionId })),
    );
    if (connections.length > 0) this.#work.run(this.shared.renewConnections(connections));
  }

  #apply(userId: string, input: PresenceInput): void {
    this.#work.run(this.shared.applyPresence(userId, input, this.options.awayAfterMs).then((changed) => this.#emit(changed)));
  }

  #emit(changed: Presence | undefined): void {
    if (changed) this.onChange(changed);
  }
}
