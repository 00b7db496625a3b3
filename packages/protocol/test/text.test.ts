import { describe, expect, it } from 'vitest';
import { jsonProblem, MAX_JSON_DEPTH, mayBreakTextRules } from '../src/index.js';

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('text rules', () => {
  it('finds U+0000, lone surrogates (keys too) and deep nesting, and lets pairs through', () => {
    expect(jsonProblem(JSON.parse('{"a":"x\\u0000"}'))).toEqual({ path: '/a', message: 'contains U+0000 (NUL)' });
    expect(jsonProblem(JSON.parse('{"a":["ok","\\ud800"]}'))).toEqual({ path: '/a/1', message: 'contains a lone UTF-16 surrogate' });
    expect(jsonProblem(JSON.parse('{"\\udc00":1}'))?.message).toBe('key contains a lone UTF-16 surrogate');
    expect(jsonProblem(JSON.parse('{"a/b~":"\\u0000"}'))?.path).toBe('/a~1b~0');
    expect(jsonProblem({ emoji: '😀 \ud83d\ude00' })).toBeNull();
    expect(jsonProblem(JSON.parse(deep(MAX_JSON_DEPTH - 1)))).toBeNull();
    expect(jsonProblem(JSON.parse(deep(MAX_JSON_DEPTH + 1)))?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonProblem(JSON.parse(deep(100_000)))).not.toBeNull();
  });

  it('flags, from the raw text, every input the walk would refuse, so skipping the walk otherwise is safe', () => {
    const refused = [
      '{"a":"x\\u0000"}',
      '{"a":"\\ud800"}',
      '{"\\udc00":1}',
      deep(MAX_JSON_DEPTH + 1),
      `[${'['.repeat(40)}${']'.repeat(40)}]`,
    ];
    for (const text of refused) {
      expect(jsonProblem(JSON.parse(text))).not.toBeNull();
      expect(mayBreakTextRules(text)).toBe(true);
    }
    expect(mayBreakTextRules('{"type":"message.send","message":{"text":"hello 😀","metadata":{"a":[1,2]}}}')).toBe(false);
  });
});
