/** Deepest nesting of objects and arrays accepted in a request body or frame (metadata included). */
export const MAX_JSON_DEPTH = 32;

/** U+0000, or a UTF-16 surrogate that is not half of a pair: neither can be stored as text everywhere (PostgreSQL refuses both). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000 is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a JSON value breaks the rules every text field follows, and why. */
export interface JsonProblem {
  /** JSON pointer of the offending string, key or container (`/metadata/note`). */
  path: string;
  message: string;
}

/** Why a string cannot be accepted as text, or `null` when it can. */
export function textProblem(text: string): string | null {
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return found[0] === '\u0000' ? 'contains U+0000 (NUL)' : 'contains a lone UTF-16 surrogate';
}

/**
 * Checks every string (keys too) of a parsed JSON value for U+0000 and lone surrogates, and
 * its nesting against `maxDepth`. Iterative, so a hostile depth cannot overflow the stack.
 * Returns the first problem, or `null`.
 */
export function jsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, path, depth] = next;
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) return { path: path || '/', message: problem };
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return { path: path || '/', message: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}/${i}`, depth + 1]);
      continue;
    }
    for (const [key, child] of Object.entries(node)) {
      const problem = textProblem(key);
      if (problem) return { path: `${path}/${escapePointer(key)}`, message: `key ${problem}` };
      stack.push([child, `${path}/${escapePointer(key)}`, depth + 1]);
    }
  }
  return null;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Whether raw JSON text could break the rules {@link jsonProblem} checks, so most frames skip
 * the walk: only a `\\u` escape can put U+0000 or a lone surrogate into parsed JSON (raw
 * control characters are not JSON, and decoded UTF-8 holds no lone surrogate), and only
 * `maxDepth` opening brackets can nest that deep.
 */
export function mayBreakTextRules(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  if (text.includes('\\u')) return true;
  let brackets = 0;
  for (const open of ['{', '[']) {
    for (let i = text.indexOf(open); i >= 0; i = text.indexOf(open, i + 1)) if (++brackets >= maxDepth) return true;
  }
  return false;
}
