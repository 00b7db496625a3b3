import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqliteStore } from './index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat4all-sqlite-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('is held by one relay at a time: a second one on the same file fails to open it, and opens it once the first has closed', async () => {
  const path = join(dir, 'chat4all.db');
  const first = new SqliteStore({ path });
  await first.migrate();
  await first.users.upsert({ id: 'ana' }, Date.now());
  try {
    expect(() => new SqliteStore({ path })).toThrow(
      `The SQLite database ${path} is in use by another process: one relay opens it at a time`,
    );
  } finally {
    await first.close();
  }
  const second = new SqliteStore({ path });
  try {
    await second.migrate();
    expect(await second.users.existingIds(['ana'])).toEqual(new Set(['ana']));
  } finally {
    await second.close();
  }
});

it('is shared with other processes when not exclusive', async () => {
  const path = join(dir, 'chat4all.db');
  const first = new SqliteStore({ path, exclusive: false });
  await first.migrate();
  await first.users.upsert({ id: 'ana' }, Date.now());
  const reader = new SqliteStore({ path, exclusive: false });
  try {
    expect(await reader.users.existingIds(['ana'])).toEqual(new Set(['ana']));
  } finally {
    await reader.close();
    await first.close();
  }
});
