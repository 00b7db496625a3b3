/** Where the connection is. `offline` means the platform said the network is gone; `closed` is final. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed';

/**
 * What can happen: the app asks to `connect` or `close`; the socket `opened` (welcome and
 * resume done) or was `lost`; the backoff timer says `retry`; the platform reports
 * `offline`/`online`; an error retrying cannot fix is `fatal`.
 */
export type ConnectionEvent = 'connect' | 'opened' | 'lost' | 'retry' | 'offline' | 'online' | 'fatal' | 'close';

/** The transition table. A missing entry means the event is ignored in that state. */
export const CONNECTION_TRANSITIONS: Record<ConnectionState, Partial<Record<ConnectionEvent, ConnectionState>>> = {
  idle: { connect: 'connecting', offline: 'offline', close: 'closed' },
  connecting: { opened: 'connected', lost: 'reconnecting', offline: 'offline', fatal: 'closed', close: 'closed' },
  connected: { lost: 'reconnecting', offline: 'offline', fatal: 'closed', close: 'closed' },
  reconnecting: { retry: 'connecting', online: 'connecting', offline: 'offline', fatal: 'closed', close: 'closed' },
  offline: { online: 'connecting', close: 'closed' },
  closed: {},
};

export function nextConnectionState(state: ConnectionState, event: ConnectionEvent): ConnectionState | undefined {
  return CONNECTION_TRANSITIONS[state][event];
}

export interface BackoffOptions {
  /** First delay ceiling. @default 250 */
  baseMs?: number;
  /** Largest delay. @default 30000 */
  maxMs?: number;
}

/**
 * How long to wait before renewing a token over the open socket: until 30 s before it
 * expires, or halfway through what is left when that is under a minute (short-lived tokens).
 */
export function renewalDelay(expiresAtMs: number, nowMs: number, marginMs = 30_000): number {
  const left = expiresAtMs - nowMs;
  return Math.max(0, left - marginMs, left / 2);
}

/** Full-jitter exponential backoff: a uniform delay in [0, min(max, base × 2^attempt)). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 30_000;
  return Math.floor(random() * Math.min(max, base * 2 ** Math.min(attempt, 30)));
}
