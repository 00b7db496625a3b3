import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileLinks, thumbnailUrl } from './file-links.js';

describe('FileLinks', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const relay = () => {
    const asked: string[] = [];
    const links = new FileLinks(async (uploadId) => {
      asked.push(uploadId);
      return { url: `/v1/uploads/${uploadId}?n=${asked.length}`, expiresAt: new Date(Date.now() + 300_000).toISOString() };
    }, 'http://relay');
    return { asked, links };
  };

  it('reuses a link until shortly before it expires, then asks for a new one', async () => {
    const { asked, links } = relay();
    expect(await links.url('u1')).toBe('http://relay/v1/uploads/u1?n=1');
    expect(await links.url('u1')).toBe('http://relay/v1/uploads/u1?n=1');
    vi.setSystemTime(280_000);
    expect(await links.url('u1')).toBe('http://relay/v1/uploads/u1?n=2');
    expect(asked).toEqual(['u1', 'u1']);
  });

  it('renews a store’s link while someone listens, and forgets the store when nobody does', async () => {
    const { asked, links } = relay();
    const store = links.store('u2');
    const seen: Array<string | null> = [];
    const unsubscribe = store.subscribe(() => seen.push(store.getSnapshot()));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getSnapshot()).toBe('http://relay/v1/uploads/u2?n=1');
    await vi.advanceTimersByTimeAsync(275_000);
    expect(store.getSnapshot()).toBe('http://relay/v1/uploads/u2?n=2');
    unsubscribe();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(asked).toHaveLength(2);
    expect(links.store('u2')).not.toBe(store);
    expect(seen).toEqual(['http://relay/v1/uploads/u2?n=1', 'http://relay/v1/uploads/u2?n=2']);
  });
});

describe('thumbnailUrl', () => {
  it('is the file’s signed link with /thumbnail added to its path, under the same query', () => {
    expect(thumbnailUrl('https://chat.example.com/v1/uploads/9f2c?user=ana&expires=1764605100000&signature=3q2-7w')).toBe(
      'https://chat.example.com/v1/uploads/9f2c/thumbnail?user=ana&expires=1764605100000&signature=3q2-7w',
    );
  });
});
