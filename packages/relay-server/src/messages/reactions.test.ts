import { describe, expect, it } from 'vitest';
import { summarizeReactions } from '../store/rows/messages.js';
import { planReactions, type StoredReactions } from './reactions.js';

const one = { perUser: 1, keysPerMessage: 3 };
const three = { perUser: 3, keysPerMessage: 3 };

describe('planReactions', () => {
  it('adds a first reaction, and a second user joins the same key after the first', () => {
    const first = planReactions([], 'ana', { add: '👍' }, one, 1);
    expect(first).toEqual({ ok: true, reactions: [{ key: '👍', by: [['ana', 1]] }] });
    const second = planReactions(first?.ok ? first.reactions : [], 'bob', { add: '👍' }, one, 2);
    expect(second).toEqual({
      ok: true,
      reactions: [
        {
          key: '👍',
          by: [
            ['ana', 1],
            ['bob', 2],
          ],
        },
      ],
    });
  });

  it('changes nothing for a reaction the user has, or a removal of one they do not', () => {
    const current: StoredReactions = [{ key: '👍', by: [['ana', 1]] }];
    expect(planReactions(current, 'ana', { add: '👍' }, one, 2)).toBeNull();
    expect(planReactions(current, 'bob', { remove: '👍' }, one, 2)).toBeNull();
    expect(planReactions(current, 'ana', { set: ['👍'] }, one, 2)).toBeNull();
  });

  it('replaces the user’s oldest reaction past their limit', () => {
    const current: StoredReactions = [
      { key: '🎉', by: [['ana', 5]] },
      {
        key: '👍',
        by: [
          ['ana', 1],
          ['bob', 2],
        ],
      },
    ];
    expect(planReactions(current, 'ana', { add: '❤️' }, { perUser: 2, keysPerMessage: 5 }, 9)).toEqual({
      ok: true,
      reactions: [
        { key: '🎉', by: [['ana', 5]] },
        { key: '👍', by: [['bob', 2]] },
        { key: '❤️', by: [['ana', 9]] },
      ],
    });
    // With one each, reacting again is changing the reaction.
    expect(planReactions([{ key: '👍', by: [['ana', 1]] }], 'ana', { add: '🎉' }, one, 2)).toEqual({
      ok: true,
      reactions: [{ key: '🎉', by: [['ana', 2]] }],
    });
  });

  it('removes a reaction, dropping a key nobody has any more', () => {
    const current: StoredReactions = [
      { key: '👍', by: [['ana', 1]] },
      {
        key: '🎉',
        by: [
          ['ana', 2],
          ['bob', 3],
        ],
      },
    ];
    expect(planReactions(current, 'ana', { remove: '👍' }, three, 4)).toEqual({
      ok: true,
      reactions: [
        {
          key: '🎉',
          by: [
            ['ana', 2],
            ['bob', 3],
          ],
        },
      ],
    });
  });

  it('refuses a new key past the message’s limit, but leaves it out of a contact’s whole set', () => {
    const full: StoredReactions = [
      { key: 'a', by: [['bob', 1]] },
      { key: 'b', by: [['bob', 1]] },
      { key: 'c', by: [['bob', 1]] },
    ];
    expect(planReactions(full, 'ana', { add: 'd' }, three, 2)).toEqual({ ok: false, code: 'TOO_MANY_REACTIONS' });
    expect(planReactions(full, 'ana', { add: 'a' }, three, 2)).toEqual({
      ok: true,
      reactions: [
        {
          key: 'a',
          by: [
            ['bob', 1],
            ['ana', 2],
          ],
        },
        full[1],
        full[2],
      ],
    });
    expect(planReactions(full, 'ana', { set: ['d', 'b'] }, three, 2)).toEqual({
      ok: true,
      reactions: [
        full[0],
        {
          key: 'b',
          by: [
            ['bob', 1],
            ['ana', 2],
          ],
        },
        full[2],
      ],
    });
  });

  it('sets a contact’s reactions to exactly those reported, keeping the last ones within the limit', () => {
    const current: StoredReactions = [{ key: '👍', by: [['ana', 1]] }];
    expect(planReactions(current, 'ana', { set: [] }, one, 2)).toEqual({ ok: true, reactions: [] });
    expect(planReactions(current, 'ana', { set: ['🔥', '❤️'] }, one, 2)).toEqual({ ok: true, reactions: [{ key: '❤️', by: [['ana', 2]] }] });
  });
});

describe('summarizeReactions', () => {
  it('gives each key with its count and users in order', () => {
    expect(
      summarizeReactions([
        {
          key: '👍',
          by: [
            ['ana', 1],
            ['bob', 2],
          ],
        },
      ]),
    ).toEqual([{ key: '👍', count: 2, userIds: ['ana', 'bob'] }]);
  });
});
