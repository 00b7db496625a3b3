import type { TypingEvent } from '@chat4all/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemorySharedState } from '../shared/memory.js';
import { TypingTracker } from './typing.js';

describe('TypingTracker', () => {
  let events: TypingEvent[];
  let tracker: TypingTracker;
  beforeEach(() => {
    vi.useFakeTimers();
    events = [];
    tracker = new TypingTracker(new MemorySharedState(), 6_000, (e) => events.push(e));
  });
  afterEach(async () => {
    await tracker.close();
    vi.useRealTimers();
  });
  const seen = () => events.map((e) => `${e.conversationId}:${e.userId}:${e.active}`);

  it('announces a start once, keeps it alive while renewed, and expires it without renewal', async () => {
    await tracker.set('c1', 'ana', true);
    await vi.advanceTimersByTimeAsync(5_000);
    await tracker.set('c1', 'ana', true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen()).toEqual(['c1:ana:true']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen()).toEqual(['c1:ana:true', 'c1:ana:false']);
  });

  it('stops on request, and a stop without a start says nothing', async () => {
    await tracker.set('c1', 'bob', false);
    await tracker.set('c1', 'ana', true);
    await tracker.set('c1', 'ana', false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(seen()).toEqual(['c1:ana:true', 'c1:ana:false']);
  });

  it('clears every indicator of a user who went away', async () => {
    await tracker.set('c1', 'ana', true);
    await tracker.set('c2', 'ana', true);
    await tracker.set('c1', 'bob', true);
    tracker.clearUser('ana');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen()).toEqual(['c1:ana:true', 'c2:ana:true', 'c1:bob:true', 'c1:ana:false', 'c2:ana:false']);
  });
});
