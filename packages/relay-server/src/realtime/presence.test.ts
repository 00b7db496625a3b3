import type { Presence } from '@chat4all/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextPresence, PRESENCE_TRANSITIONS, type PresenceInput, PresenceTracker } from './presence.js';

describe('presence state machine', () => {
  it('has an answer for every state and input', () => {
    const inputs: PresenceInput[] = ['connect', 'activity', 'idle', 'expire'];
    const table = Object.fromEntries(
      Object.keys(PRESENCE_TRANSITIONS).map((state) => [state, inputs.map((input) => nextPresence(state as Presence['status'], input))]),
    );
    expect(table).toEqual({
      offline: ['online', 'online', 'offline', 'offline'],
      online: ['online', 'online', 'away', 'offline'],
      away: ['online', 'online', 'away', 'offline'],
    });
  });
});

describe('PresenceTracker', () => {
  let changes: Presence[];
  let tracker: PresenceTracker;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
    changes = [];
    tracker = new PresenceTracker({ awayAfterMs: 60_000, offlineGraceMs: 5_000 }, (p) => changes.push(p));
  });
  afterEach(() => {
    tracker.close();
    vi.useRealTimers();
  });
  const statuses = () => changes.map((c) => c.status);

  it('goes online → away → online → offline, with last-seen', () => {
    tracker.connected('ana');
    expect(tracker.get('ana')).toEqual({ userId: 'ana', status: 'online', lastSeenAt: '2026-11-25T10:00:00.000Z' });
    vi.advanceTimersByTime(59_999);
    expect(statuses()).toEqual(['online']);
    vi.advanceTimersByTime(1);
    expect(statuses()).toEqual(['online', 'away']);
    tracker.activity('ana');
    expect(statuses()).toEqual(['online', 'away', 'online']);
    vi.advanceTimersByTime(30_000);
    tracker.disconnected('ana');
    vi.advanceTimersByTime(4_999);
    expect(tracker.get('ana').status).toBe('online');
    vi.advanceTimersByTime(1);
    expect(statuses()).toEqual(['online', 'away', 'online', 'offline']);
    expect(tracker.get('ana')).toEqual({ userId: 'ana', status: 'offline', lastSeenAt: '2026-11-25T10:01:00.000Z' });
  });

  it('does not flap when a page reloads within the grace', () => {
    tracker.connected('ana');
    tracker.disconnected('ana');
    vi.advanceTimersByTime(2_000);
    tracker.connected('ana');
    vi.advanceTimersByTime(10_000);
    expect(statuses()).toEqual(['online']);
  });

  it('stays online while any of several devices is connected', () => {
    tracker.connected('ana');
    tracker.connected('ana');
    tracker.disconnected('ana');
    vi.advanceTimersByTime(10_000);
    expect(tracker.get('ana').status).toBe('online');
    tracker.disconnected('ana');
    vi.advanceTimersByTime(5_000);
    expect(tracker.get('ana').status).toBe('offline');
    expect(tracker.get('never-seen')).toEqual({ userId: 'never-seen', status: 'offline', lastSeenAt: null });
  });

  it('ignores activity from users with no connection', () => {
    tracker.activity('ghost');
    expect(changes).toEqual([]);
  });
});
