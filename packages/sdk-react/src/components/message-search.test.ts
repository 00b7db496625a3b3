import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { highlighted, prefixQuery } from './message-search.js';

const markup = (text: string, ranges: Array<{ start: number; end: number }>) =>
  renderToStaticMarkup(h('p', null, ...highlighted(text, ranges)));

describe('message search helpers', () => {
  it('marks the matched ranges as text, in any order, overlaps merged, never past the text', () => {
    expect(
      markup('lunch at noon', [
        { start: 9, end: 13 },
        { start: 0, end: 5 },
      ]),
    ).toBe('<p><mark>lunch</mark> at <mark>noon</mark></p>');
    expect(
      markup('abcdef', [
        { start: 0, end: 4 },
        { start: 2, end: 6 },
        { start: 5, end: 99 },
      ]),
    ).toBe('<p><mark>abcd</mark><mark>ef</mark></p>');
    expect(markup('<b>x</b>', [{ start: 3, end: 4 }])).toBe('<p>&lt;b&gt;<mark>x</mark>&lt;/b&gt;</p>');
  });

  it('makes the last word a prefix when it ends in a letter, a mark or a digit', () => {
    expect(prefixQuery(' noo ')).toBe('noo*');
    expect(prefixQuery('cafe\u0301')).toBe('cafe\u0301*');
    expect(prefixQuery('order 42')).toBe('order 42*');
    expect(prefixQuery('"exact phrase"')).toBe('"exact phrase"');
  });
});
