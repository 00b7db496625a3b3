import { expect, it, vi } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import { storeFixture } from '../../testing/store-contract/fixture.js';
import { SqliteStore } from './index.js';

let sqlite: SqliteStore;
const fixture = storeFixture(() => {
  sqlite = new SqliteStore({ path: ':memory:' });
  return sqlite;
});
const append = async (...texts: string[]) => {
  const conversationId = (await fixture.group(['bob'])).id;
  return sqlite.messages.append(
    texts.map((text) => fixture.input({ conversationId, text })),
    appendPlan,
  );
};
const search = async (word: string) =>
  (await sqlite.search.messages({ userId: 'bob', terms: [{ word, prefix: false }], limit: 10 })).map((m) => m.text).sort();
const mark = () => (sqlite.db.prepare('SELECT indexed_rowid AS mark FROM search_state').get() as { mark: number }).mark;
const maxRowid = () => (sqlite.db.prepare('SELECT IFNULL(MAX(rowid), 0) AS last FROM messages').get() as { last: number }).last;

it('indexes appended messages shortly after their commit, without a search', async () => {
  await append('behind the append', 'in one batch');
  expect(mark()).toBeLessThan(maxRowid());
  await vi.waitFor(() => expect(mark()).toBe(maxRowid()), { timeout: 5_000, interval: 20 });
  expect(await search('batch')).toEqual(['in one batch']);
});

it('never takes a rowid SQLite hands out again for one the index holds', async () => {
  await append('one', 'two', 'three');
  expect(await search('three')).toEqual(['three']);
  // Messages are deleted by emptying them, but a row removed outright (by an operator) frees the
  // highest rowid, which SQLite then gives the next message.
  const last = maxRowid();
  sqlite.db.prepare('DELETE FROM messages WHERE rowid = ?').run(last);
  expect(mark()).toBe(last - 1);
  await append('four');
  expect(maxRowid()).toBe(last);
  expect(await search('four')).toEqual(['four']);
  expect(await search('three')).toEqual([]);
});

it('indexes in one search every message not yet indexed, however many', async () => {
  for (let i = 0; i < 5; i++) await append(...Array.from({ length: 1_000 }, (_, j) => `bulk message ${i * 1_000 + j}`));
  expect(await search('bulk')).toHaveLength(10);
  expect(mark()).toBe(maxRowid());
  expect(sqlite.db.prepare("SELECT COUNT(*) AS n FROM messages_fts WHERE messages_fts MATCH 'bulk'").get()).toEqual({ n: 5_000 });
});
