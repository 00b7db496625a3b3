/** How a platform counts a text's length: UTF-16 code units (Telegram), code points (WhatsApp, Messenger) or UTF-8 bytes (Instagram). */
export type TextUnit = 'utf16' | 'codepoints' | 'bytes';

const encoder = new TextEncoder();
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The length of `text` as a platform counts it. */
export function measure(text: string, unit: TextUnit): number {
  if (unit === 'utf16') return text.length;
  if (unit === 'bytes') return encoder.encode(text).length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Cuts a text into ordered parts that each fit a platform's limit: the first within
 * `firstLimit` (a caption), the others within `limit`. Cuts fall after the last space or
 * line break that fits, else between two graphemes, so no word is cut when it need not be
 * and no emoji, flag or accented letter ever is. The spaces at a cut are dropped.
 */
export function splitText(text: string, limit: number, unit: TextUnit, firstLimit = limit): string[] {
  if (measure(text, unit) <= firstLimit) return [text];
  const pieces = [...graphemes.segment(text)].map((s) => s.segment);
  const parts: string[] = [];
  let start = 0;
  while (start < pieces.length) {
    const max = parts.length === 0 ? firstLimit : limit;
    let size = 0;
    let end = start;
    let lastSpace = -1;
    while (end < pieces.length) {
      const piece = pieces[end] as string;
      const next = size + measure(piece, unit);
      if (next > max) break;
      size = next;
      if (/^\s+$/.test(piece) && end > start) lastSpace = end;
      end++;
    }
    if (end === start) end = start + 1;
    // Cut at the limit when a space follows it, else after the last space that fits, else at the limit.
    const atSpace = end >= pieces.length || /^\s+$/.test(pieces[end] as string);
    const cut = !atSpace && lastSpace > start ? lastSpace : end;
    const part = pieces.slice(start, cut).join('').trimEnd();
    if (part) parts.push(part);
    start = cut;
    while (start < pieces.length && /^\s+$/.test(pieces[start] as string)) start++;
  }
  return parts;
}
