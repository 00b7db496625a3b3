import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Every Markdown file a user reads for commands: the READMEs and docs/. */
function documents(): string[] {
  const inDir = (dir: string) =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join(dir, name));
  const readmes = (dir: string) => readdirSync(join(root, dir)).map((name) => join(dir, name, 'README.md'));
  return ['README.md', 'bench/README.md', ...inDir('docs'), ...readmes('packages'), ...readmes('examples')].filter((path) =>
    existsSync(join(root, path)),
  );
}

/** The command lines of a document's shell blocks, each with the directory it runs in (after a `cd`). */
function commandLines(path: string): Array<{ line: string; dir: string }> {
  const text = readFileSync(join(root, path), 'utf8');
  const lines: Array<{ line: string; dir: string }> = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    let dir = '';
    for (const raw of (block[1] ?? '').split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!line) continue;
      for (const part of line.split('&&').map((p) => p.trim())) {
        const cd = /^cd (\S+)$/.exec(part);
        // A `cd` into the clone itself (`cd chat4all`) is the repository root.
        if (cd?.[1]) dir = existsSync(join(root, cd[1])) ? cd[1] : '';
        else lines.push({ line: part, dir });
      }
    }
  }
  return lines;
}

function scripts(dir: string): Record<string, string> {
  return (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
}

describe('documented commands', () => {
  const all = documents().flatMap((path) => commandLines(path).map((command) => ({ ...command, path })));

  it('need only Node and npm: no shown command calls pnpm', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter(({ line }) => /^(\S+=\S+\s+)*pnpm\b/.test(line)).map(({ path, line }) => `${path}: ${line}`)).toEqual([]);
  });

  it('name npm scripts that exist where they are typed', () => {
    const missing: string[] = [];
    for (const { line, dir, path } of all) {
      const run = /^(?:\S+=\S+\s+)*npm (?:run (\S+)|(start|test))\b/.exec(line);
      const script = run?.[1] ?? run?.[2];
      if (script && !(script in scripts(dir))) missing.push(`${path}: ${line} (in ${dir || 'the repository root'})`);
    }
    expect(missing).toEqual([]);
  });

  it('name only files, folders and CLI commands that exist', () => {
    const cli = readFileSync(join(root, 'packages/relay-server/src/cli.ts'), 'utf8');
    const problems: string[] = [];
    for (const { line, dir, path } of all) {
      const relay = /chat4all-relay (\w+)/.exec(line);
      if (relay?.[1] && !cli.includes(`case '${relay[1]}'`)) problems.push(`${path}: ${line}`);
      const node = /^node (\S+\.m?js)/.exec(line);
      if (node?.[1] && !existsSync(join(root, dir, node[1]))) problems.push(`${path}: ${line}`);
    }
    expect(problems).toEqual([]);
  });
});
