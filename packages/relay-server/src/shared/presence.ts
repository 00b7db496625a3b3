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

export function toPresence(userId: string, status: PresenceStatus, lastSeenAtMs: number | null): Presence {
  return { userId, status, lastSeenAt: lastSeenAtMs === null ? null : new Date(lastSeenAtMs).toISOString() };
}
