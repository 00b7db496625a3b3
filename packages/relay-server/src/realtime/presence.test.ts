import type { Presence } from '@chat4all/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemorySharedState } from '../shared/memory.js';
import { nextPresence, PRESENCE_TRANSITIONS, type PresenceInput } from '../shared/presence.js';
import { PresenceTracker } from './presence.js';

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
    tracker = new PresenceTracker(new MemorySharedState(), { awayAfterMs: 60_000, offlineGraceMs: 5_000 }, (p) => changes.push(p));
  });
  afterEach(async () => {
    await tracker.close();
    vi.useRealTimers();
  });
  const statuses = () => changes.map((c) => c.status);
  const status = async (userId: string) => (await tracker.get([userId]))[0]?.status;
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('goes online → away → online → offline, with last-seen', async () => {
    await tracker.connect('ana', 'c1', 5);
    expect(await tracker.get(['ana'])).toEqual([{ userId: 'ana', status: 'online', lastSeenAt: '2026-11-25T10:00:00.000Z' }]);
    await advance(59_999);
    expect(statuses()).toEqual(['online']);
    await advance(1);
    expect(statuses()).toEqual(['online', 'away']);
    tracker.activity('ana');
    await advance(0);
    expect(statuses()).toEqual(['online', 'away', 'online']);
    await advance(30_000);
    tracker.disconnected('ana', 'c1');
    await advance(4_999);
    expect(await status('ana')).toBe('online');
    await advance(1);
    expect(statuses()).toEqual(['online', 'away', 'online', 'offline']);
    expect(await tracker.get(['ana'])).toEqual([{ userId: 'ana', status: 'offline', lastSeenAt: '2026-11-25T10:01:00.000Z' }]);
  });

  it('does not flap when a page reloads within the grace', async () => {
    await tracker.connect('ana', 'c1', 5);
    tracker.disconnected('ana', 'c1');
    await advance(2_000);
    await tracker.connect('ana', 'c2', 5);
    await advance(10_000);
    expect(statuses()).toEqual(['online']);
  });

  it('stays online while any of several devices is connected', async () => {
    await tracker.connect('ana', 'c1', 5);
    await tracker.connect('ana', 'c2', 5);
    tracker.disconnected('ana', 'c1');
    await advance(10_000);
    expect(await status('ana')).toBe('online');
    tracker.disconnected('ana', 'c2');
    await advance(5_000);
    expect(await status('ana')).toBe('offline');
    expect(await tracker.get(['never-seen'])).toEqual([{ userId: 'never-seen', status: 'offline', lastSeenAt: null }]);
  });

  it('refuses a connection over the per-user maximum', async () => {
    expect(await tracker.connect('ana', 'c1', 1)).toBe(true);
    expect(await tracker.connect('ana', 'c2', 1)).toBe(false);
    tracker.disconnected('ana', 'c1');
    await advance(0);
    expect(await tracker.connect('ana', 'c2', 1)).toBe(true);
  });

  it('ignores activity from users with no connection', async () => {
    tracker.activity('ghost');
    await advance(0);
    expect(changes).toEqual([]);
  });
});
