import { describe, expect, it } from 'vitest';
import { measure, splitText } from '../src/text.js';

describe('splitText', () => {
  it('keeps a text that fits whole, and counts as each platform does', () => {
    expect(splitText('olá mundo', 9, 'codepoints')).toEqual(['olá mundo']);
    expect(measure('olá', 'bytes')).toBe(4);
    expect(measure('👋🏽', 'utf16')).toBe(4);
    expect(measure('👋🏽', 'codepoints')).toBe(2);
  });

  it('cuts after the last space or line break that fits and drops the spaces at the cut', () => {
    expect(splitText('um dois três quatro', 8, 'codepoints')).toEqual(['um dois', 'três', 'quatro']);
    expect(splitText('linha um\nlinha dois', 10, 'codepoints')).toEqual(['linha um', 'linha dois']);
  });

  it('cuts a word longer than the limit between graphemes, never inside a family, a flag or an accented letter', () => {
    const family = '👨‍👩‍👧‍👦'; // 7 code points, one grapheme
    const parts = splitText(`${family}${family}${family}`, 14, 'codepoints');
    expect(parts).toEqual([`${family}${family}`, family]);
    expect(splitText('🇧🇷🇵🇹🇦🇴', 4, 'codepoints')).toEqual(['🇧🇷🇵🇹', '🇦🇴']);
    const decomposed = 'e\u0301'.repeat(3); // é as e + combining acute
    expect(splitText(decomposed, 4, 'codepoints')).toEqual(['e\u0301e\u0301', 'e\u0301']);
    // A grapheme larger than the limit still goes, alone, rather than being cut.
    expect(splitText(family, 3, 'codepoints')).toEqual([family]);
  });

  it('gives the first part its own limit (a caption) and the rest the text limit', () => {
    expect(splitText('aaaa bbbb cccc dddd', 4, 'bytes', 9)).toEqual(['aaaa bbbb', 'cccc', 'dddd']);
  });
});
