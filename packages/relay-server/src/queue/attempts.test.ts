import { describe, expect, it } from 'vitest';
import { type AttemptState, backoffDelay, nextAttempt, takeable } from './attempts.js';

const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
const NOW = 1_800_000_000_000;
const error = { code: 'UNAVAILABLE', platformCode: '503', message: 'try later' };
const pending = (attempts: number, history: AttemptState['history'] = []): AttemptState => ({
  status: 'pending',
  attempts,
  dead: false,
  history,
});

describe('nextAttempt: the transitions of a retried job', () => {
  it('throttled: due again after the wait, no attempt spent', () => {
    expect(nextAttempt(pending(1), 1, { type: 'throttled', waitMs: 250 }, policy, NOW)).toEqual({ nextAttemptAt: NOW + 250 });
  });

  it('taken: the attempt is counted and leased', () => {
    expect(nextAttempt(pending(1), 1, { type: 'taken', leaseMs: 30_000 }, policy, NOW)).toEqual({
      attempts: 2,
      nextAttemptAt: NOW + 30_000,
    });
  });

  it('sent: final, the error cleared', () => {
    expect(nextAttempt(pending(2), 2, { type: 'sent' }, policy, NOW)).toEqual({
      status: 'sent',
      error: null,
      nextAttemptAt: null,
      history: { status: 'sent', at: NOW },
    });
  });

  it('refused: failed for good, with its code', () => {
    expect(nextAttempt(pending(1), 1, { type: 'refused', error }, policy, NOW)).toEqual({
      status: 'failed',
      error,
      nextAttemptAt: null,
      history: { status: 'failed', at: NOW, code: 'UNAVAILABLE' },
    });
  });

  it('failed: retried after a full-jitter backoff, or the far side’s wait', () => {
    const retried = nextAttempt(pending(2), 2, { type: 'failed', error }, policy, NOW);
    expect(retried).toMatchObject({ error, history: { status: 'retrying', at: NOW, code: 'UNAVAILABLE' } });
    // Attempt 2: random in [0, 200).
    expect(retried?.nextAttemptAt).toBeGreaterThanOrEqual(NOW);
    expect(retried?.nextAttemptAt).toBeLessThan(NOW + 200);
    expect(nextAttempt(pending(2), 2, { type: 'failed', error, retryAfterMs: 5000 }, policy, NOW)?.nextAttemptAt).toBe(NOW + 5000);
  });

  it('failed on the last attempt: dead-lettered', () => {
    expect(nextAttempt(pending(3), 3, { type: 'failed', error }, policy, NOW)).toEqual({
      status: 'failed',
      dead: true,
      error,
      nextAttemptAt: null,
      history: { status: 'dead-lettered', at: NOW, code: 'UNAVAILABLE' },
    });
  });

  it('circuit open: the attempt given back, due when the circuit half-opens', () => {
    expect(nextAttempt(pending(2), 2, { type: 'circuit-open', waitMs: 10_000, error }, policy, NOW)).toEqual({
      attempts: 1,
      nextAttemptAt: NOW + 10_000,
      error,
    });
  });

  it('held: waits for the recheck; an attempt that reached the platform is given back; one history entry per hold', () => {
    expect(nextAttempt(pending(2), 2, { type: 'held', recheckMs: 60_000, reached: true, error }, policy, NOW)).toEqual({
      attempts: 1,
      nextAttemptAt: NOW + 60_000,
      error,
      history: { status: 'held', at: NOW, code: 'UNAVAILABLE' },
    });
    expect(
      nextAttempt(pending(1, [{ status: 'held' }]), 1, { type: 'held', recheckMs: 60_000, reached: false, error: null }, policy, NOW),
    ).toEqual({ attempts: 1, nextAttemptAt: NOW + 60_000 });
    expect(nextAttempt(pending(1), 1, { type: 'held', recheckMs: 60_000, reached: false, error: null }, policy, NOW)?.history).toEqual({
      status: 'held',
      at: NOW,
      code: 'CHANNEL_HELD',
    });
  });

  it('replayed and discarded: only a dead letter, whatever its attempts', () => {
    const dead: AttemptState = { status: 'failed', attempts: 3, dead: true, history: [] };
    expect(nextAttempt(dead, 0, { type: 'replayed' }, policy, NOW)).toEqual({
      dead: false,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: NOW,
      history: { status: 'replayed', at: NOW },
    });
    expect(nextAttempt(dead, 0, { type: 'discarded' }, policy, NOW)).toEqual({ dead: false });
    expect(nextAttempt(pending(1), 1, { type: 'replayed' }, policy, NOW)).toBeNull();
    expect(nextAttempt(pending(1), 1, { type: 'discarded' }, policy, NOW)).toBeNull();
  });

  it('an event for an attempt another worker moved on changes nothing', () => {
    const events = [
      { type: 'throttled', waitMs: 1 },
      { type: 'taken', leaseMs: 1 },
      { type: 'sent' },
      { type: 'refused', error },
      { type: 'failed', error },
      { type: 'circuit-open', waitMs: 1, error },
      { type: 'held', recheckMs: 1, reached: true, error },
    ] as const;
    for (const event of events) {
      expect(nextAttempt(pending(3), 2, event, policy, NOW)).toBeNull();
      expect(nextAttempt({ status: 'sent', attempts: 2, dead: false, history: [] }, 2, event, policy, NOW)).toBeNull();
    }
    expect(takeable(pending(2), 2)).toBe(true);
    expect(takeable({ ...pending(2), dead: true }, 2)).toBe(false);
  });

  it('backs off exponentially with full jitter, capped', () => {
    for (let i = 0; i < 50; i++) {
      expect(backoffDelay(1, policy)).toBeLessThan(100);
      expect(backoffDelay(10, policy)).toBeLessThanOrEqual(1000);
    }
  });
});
