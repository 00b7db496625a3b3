import { describe, expect, it } from 'vitest';
import { mentionQuery, mentionSegments, mentionsUser } from './mentions.js';

const names: Record<string, string> = { bob: 'Bob', bobby: 'Bob Lee', cid: 'Cid' };
const nameOf = (id: string) => names[id];

describe('mentionSegments', () => {
  it('splits text into plain text and the message’s own mentions, by display name', () => {
    const message = { text: 'hi @Bob Lee and @Cid, not @Dan', mentions: ['bobby', 'cid'], mentionsAll: false };
    expect(mentionSegments(message, nameOf)).toEqual([
      { type: 'text', text: 'hi ' },
      { type: 'mention', text: '@Bob Lee', userId: 'bobby' },
      { type: 'text', text: ' and ' },
      { type: 'mention', text: '@Cid', userId: 'cid' },
      { type: 'text', text: ', not @Dan' },
    ]);
  });

  it('prefers the longest name at a place, repeats a mention, and marks @all only when the message mentions everyone', () => {
    const message = { text: '@Bob Lee @Bob @all', mentions: ['bob', 'bobby'], mentionsAll: true };
    expect(mentionSegments(message, nameOf).filter((s) => s.type === 'mention')).toEqual([
      { type: 'mention', text: '@Bob Lee', userId: 'bobby' },
      { type: 'mention', text: '@Bob', userId: 'bob' },
      { type: 'mention', text: '@all', userId: null },
    ]);
    expect(mentionSegments({ ...message, mentionsAll: false, mentions: [] })).toEqual([{ type: 'text', text: '@Bob Lee @Bob @all' }]);
  });

  it('falls back to the user id without a name, and gives nothing for empty text', () => {
    expect(mentionSegments({ text: 'ping @u-1!', mentions: ['u-1'], mentionsAll: false })).toEqual([
      { type: 'text', text: 'ping ' },
      { type: 'mention', text: '@u-1', userId: 'u-1' },
      { type: 'text', text: '!' },
    ]);
    expect(mentionSegments({ text: '', mentions: ['u-1'], mentionsAll: false })).toEqual([]);
  });
});

describe('mentionsUser', () => {
  it('is true for a mention by id or of everyone by someone else', () => {
    expect(mentionsUser({ senderId: 'ana', mentions: ['bob'], mentionsAll: false }, 'bob')).toBe(true);
    expect(mentionsUser({ senderId: 'ana', mentions: [], mentionsAll: true }, 'bob')).toBe(true);
    expect(mentionsUser({ senderId: 'bob', mentions: ['bob'], mentionsAll: true }, 'bob')).toBe(false);
    expect(mentionsUser({ senderId: 'ana', mentions: ['cid'], mentionsAll: false }, 'bob')).toBe(false);
    expect(mentionsUser({ senderId: 'ana', mentions: [], mentionsAll: true }, null)).toBe(false);
  });
});

describe('mentionQuery', () => {
  it('finds the mention typed at the caret, names with spaces included', () => {
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('hi @Bob L', 9)).toEqual({ start: 3, query: 'Bob L' });
    expect(mentionQuery('hi @Bob later', 7)).toEqual({ start: 3, query: 'Bob' });
  });

  it('finds none in an e-mail address, across a line break, or without an @', () => {
    expect(mentionQuery('ana@example.com', 15)).toBeNull();
    expect(mentionQuery('@Bob\nthen', 10)).toBeNull();
    expect(mentionQuery('hello', 5)).toBeNull();
  });
});
