import type { Message } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import { type HistoryRange, isVisible, visibleHistory } from './visibility.js';

/** A history of `senders`, seq 1..n, paged as the store pages it: ascending, the newest `limit` before `before`, the first after `after`. */
function history(senders: Array<string | null>) {
  const all = senders.map((senderId, i) => ({ seq: i + 1, senderId }) as Message);
  const reads: HistoryRange[] = [];
  const read = async (range: HistoryRange) => {
    reads.push(range);
    const { before, after, limit } = range;
    if (after !== undefined) {
      const rest = all.filter((m) => m.seq > after);
      return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
    }
    const rest = all.filter((m) => before === undefined || m.seq < before);
    return { messages: rest.slice(-limit), hasMore: rest.length > limit };
  };
  return { read, reads };
}

const seqs = (page: { messages: Message[] }) => page.messages.map((m) => m.seq);

describe('visibleHistory', () => {
  it('reads the store once when the reader hides nobody', async () => {
    const { read, reads } = history(['a', 'b', 'a']);
    expect(seqs(await visibleHistory(read, { limit: 2 }, new Set()))).toEqual([2, 3]);
    expect(reads).toHaveLength(1);
  });

  it('reads older pages past hidden runs until the page is full, keeping system messages', async () => {
    const { read } = history([null, 'a', 'x', 'x', 'x', 'a', 'x']);
    const page = await visibleHistory(read, { limit: 2 }, new Set(['x']));
    expect(seqs(page)).toEqual([2, 6]);
    expect(page.hasMore).toBe(true);
    expect(seqs(await visibleHistory(read, { limit: 2, before: 2 }, new Set(['x'])))).toEqual([1]);
  });

  it('reads newer pages forward from `after` and says when more remain', async () => {
    const { read } = history(['x', 'a', 'x', 'x', 'a', 'a']);
    const page = await visibleHistory(read, { limit: 2, after: 0 }, new Set(['x']));
    expect(seqs(page)).toEqual([2, 5]);
    expect(page.hasMore).toBe(true);
    expect(await visibleHistory(read, { limit: 5, after: 5 }, new Set(['x']))).toMatchObject({ hasMore: false });
  });

  it('stops after ten store pages of hidden messages, with more to come', async () => {
    const { read, reads } = history(Array.from({ length: 50 }, () => 'x'));
    expect(await visibleHistory(read, { limit: 2 }, new Set(['x']))).toEqual({ messages: [], hasMore: true });
    expect(reads).toHaveLength(10);
  });

  it('shows system messages and everyone not hidden', () => {
    expect(isVisible({ senderId: null }, new Set(['x']))).toBe(true);
    expect(isVisible({ senderId: 'x' }, new Set(['x']))).toBe(false);
    expect(isVisible({ senderId: 'y' }, new Set(['x']))).toBe(true);
  });
});
