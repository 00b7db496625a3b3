import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor, highlight, parseSearch } from './query.js';

describe('search text', () => {
  it('keeps only words, lower-cased, a trailing * making a prefix, each once', () => {
    expect(parseSearch('NEAR("Door" & door*) a:b -c')).toEqual([
      { word: 'near', prefix: false },
      { word: 'door', prefix: false },
      { word: 'door', prefix: true },
      { word: 'a', prefix: false },
      { word: 'b', prefix: false },
      { word: 'c', prefix: false },
    ]);
    expect(parseSearch('ação Ελλάδα 東京')).toEqual([
      { word: 'ação', prefix: false },
      { word: 'ελλάδα', prefix: false },
      { word: '東京', prefix: false },
    ]);
  });

  it('refuses text with no word or too many words', () => {
    for (const q of ['', '  ', '"*&|!():', Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')])
      expect(() => parseSearch(q)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('highlights whole words and words a prefix begins, by UTF-16 offsets', () => {
    const text = 'Report: reporting 😀 REPORTS report';
    const spans = highlight(text, [{ word: 'report', prefix: false }]);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Report', 'report']);
    const prefixed = highlight(text, [{ word: 'report', prefix: true }]);
    expect(prefixed.map((s) => text.slice(s.start, s.end))).toEqual(['Report', 'reporting', 'REPORTS', 'report']);
  });

  it('reads back the cursors it writes and refuses others', () => {
    const cursor = { createdAt: 1_700_000_000_000, id: '0190-abc' };
    expect(decodeSearchCursor(encodeSearchCursor(cursor))).toEqual(cursor);
    for (const text of [
      '',
      'xyz',
      Buffer.from(':id').toString('base64url'),
      Buffer.from('1e3:id').toString('base64url'),
      Buffer.from('12:bad id').toString('base64url'),
    ])
      expect(() => decodeSearchCursor(text)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });
});
