import { isId, type SearchHighlight } from '@chat4all/protocol';
import { RelayError } from '../errors.js';
import type { SearchCursor, SearchTerm } from '../store/types.js';

/** Words a search may hold; more make it slower without making it more precise. */
export const MAX_SEARCH_TERMS = 16;

/** A word: letters, digits and marks (accents that follow a letter), as both indexes split text. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const TERM = /([\p{L}\p{N}\p{M}]+)(\*?)/gu;

/**
 * The terms of a search text: its words, lower-cased, each a prefix when `*` follows it.
 * Everything else (quotes, operators, parentheses, `NEAR`'s syntax) only separates words, so no
 * character of the text ever reaches an index's query syntax.
 */
export function parseSearch(q: string): SearchTerm[] {
  const terms = new Map<string, SearchTerm>();
  for (const [, word = '', star] of q.matchAll(TERM)) {
    const term = { word: word.toLowerCase(), prefix: star === '*' };
    const key = `${term.word}${star}`;
    if (!terms.has(key)) terms.set(key, term);
  }
  if (terms.size === 0) throw new RelayError('BAD_REQUEST', 'q must hold at least one word (letters or digits)');
  if (terms.size > MAX_SEARCH_TERMS) throw new RelayError('BAD_REQUEST', `q may hold at most ${MAX_SEARCH_TERMS} words`);
  return [...terms.values()];
}

/** Where the terms occur in a message's text: each whole word that is a term, or that a prefix term begins. */
export function highlight(text: string, terms: readonly SearchTerm[]): SearchHighlight[] {
  const found: SearchHighlight[] = [];
  for (const match of text.matchAll(WORD)) {
    const word = match[0].toLowerCase();
    if (terms.some((t) => (t.prefix ? word.startsWith(t.word) : word === t.word)))
      found.push({ start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/** `<createdAt>:<id>` of the last result of a page, base64url. */
export function encodeSearchCursor(cursor: SearchCursor): string {
  return Buffer.from(`${cursor.createdAt}:${cursor.id}`).toString('base64url');
}

export function decodeSearchCursor(text: string): SearchCursor {
  const decoded = Buffer.from(text, 'base64url').toString();
  const colon = decoded.indexOf(':');
  const createdAt = Number(decoded.slice(0, colon));
  const id = decoded.slice(colon + 1);
  if (colon < 1 || !/^\d+$/.test(decoded.slice(0, colon)) || !Number.isSafeInteger(createdAt) || !isId(id))
    throw new RelayError('BAD_REQUEST', 'cursor is not one this relay issued');
  return { createdAt, id };
}
