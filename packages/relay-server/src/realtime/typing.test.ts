import type { TypingEvent } from '@chat4all/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingTracker } from './typing.js';

describe('TypingTracker', () => {
  let events: TypingEvent[];
  let tracker: TypingTracker;
  beforeEach(() => {
    vi.useFakeTimers();
    events = [];
    tracker = new TypingTracker(6_000, (e) => events.push(e));
  });
  afterEach(() => {
    tracker.close();
    vi.useRealTimers();
  });
  const seen = () => events.map((e) => `${e.conversationId}:${e.userId}:${e.active}`);

  it('announces a start once, keeps it alive while renewed, and expires it without renewal', () => {
    tracker.set('c1', 'ana', true);
    vi.advanceTimersByTime(5_000);
    tracker.set('c1', 'ana', true);
    vi.advanceTimersByTime(5_000);
    expect(seen()).toEqual(['c1:ana:true']);
    vi.advanceTimersByTime(1_000);
    expect(seen()).toEqual(['c1:ana:true', 'c1:ana:false']);
  });

  it('stops on request, and a stop without a start says nothing', () => {
    tracker.set('c1', 'bob', false);
    tracker.set('c1', 'ana', true);
    tracker.set('c1', 'ana', false);
    vi.advanceTimersByTime(10_000);
    expect(seen()).toEqual(['c1:ana:true', 'c1:ana:false']);
  });

  it('clears every indicator of a user who went away', () => {
    tracker.set('c1', 'ana', true);
    tracker.set('c2', 'ana', true);
    tracker.set('c1', 'bob', true);
    tracker.clearUser('ana');
    expect(seen()).toEqual(['c1:ana:true', 'c2:ana:true', 'c1:bob:true', 'c1:ana:false', 'c2:ana:false']);
  });
});
