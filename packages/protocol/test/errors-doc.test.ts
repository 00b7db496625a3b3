import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/index.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    it(`documents ${code} with its HTTP status, close code and retryability`, () => {
      const row = doc.split('\n').find((line) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(line));
      expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
      const cells = (row ?? '').split('|').map((cell) => cell.trim());
      expect(cells[2]).toBe(String(spec.status));
      expect(cells[3]).toBe(spec.closeCode === null ? '—' : String(spec.closeCode));
      expect(cells[4]).toBe(spec.retryable ? 'yes' : 'no');
    });
  }

  it('lists no code that the catalogue does not have', () => {
    const documented = [...doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
