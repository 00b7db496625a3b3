import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  CONNECTION_TRANSITIONS,
  type ConnectionEvent,
  type ConnectionState,
  nextConnectionState,
  renewalDelay,
} from './machine.js';

const EVENTS: ConnectionEvent[] = ['connect', 'opened', 'lost', 'retry', 'offline', 'online', 'fatal', 'close'];

describe('connection state machine', () => {
  it('has exactly these edges', () => {
    const edges = Object.fromEntries(
      (Object.keys(CONNECTION_TRANSITIONS) as ConnectionState[]).map((state) => [
        state,
        Object.fromEntries(
          EVENTS.flatMap((event) => {
            const to = nextConnectionState(state, event);
            return to ? [[event, to]] : [];
          }),
        ),
      ]),
    );
    expect(edges).toEqual({
      idle: { connect: 'connecting', offline: 'offline', close: 'closed' },
      connecting: { opened: 'connected', lost: 'reconnecting', offline: 'offline', fatal: 'closed', close: 'closed' },
      connected: { lost: 'reconnecting', offline: 'offline', fatal: 'closed', close: 'closed' },
      reconnecting: { retry: 'connecting', online: 'connecting', offline: 'offline', fatal: 'closed', close: 'closed' },
      offline: { online: 'connecting', close: 'closed' },
      closed: {},
    });
  });

  it('never leaves closed', () => {
    for (const event of EVENTS) expect(nextConnectionState('closed', event)).toBeUndefined();
  });
});

describe('full-jitter backoff', () => {
  it('stays within [0, min(max, base × 2^attempt))', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(30_000, 250 * 2 ** attempt);
      expect(backoffDelay(attempt, {}, () => 0)).toBe(0);
      expect(backoffDelay(attempt, {}, () => 0.999_999)).toBeLessThan(ceiling);
      expect(backoffDelay(attempt, {}, () => 0.999_999)).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.999));
    }
    expect(backoffDelay(3, { baseMs: 100, maxMs: 500 }, () => 0.5)).toBe(250);
  });

  it('spreads retries of many clients over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(4));
    expect(Math.min(...delays)).toBeLessThan(400);
    expect(Math.max(...delays)).toBeGreaterThan(3600);
    expect(Math.max(...delays)).toBeLessThan(4000);
  });

  it('renews a token 30 s before its expiry, or halfway through a shorter life, never in the past', () => {
    expect(renewalDelay(900_000, 0)).toBe(870_000);
    expect(renewalDelay(40_000, 0)).toBe(20_000);
    expect(renewalDelay(2_000, 0)).toBe(1_000);
    expect(renewalDelay(1_000, 5_000)).toBe(0);
  });
});
