import { expect, it } from 'vitest';
import { expectMigrationIndexesStoredMessages } from '../../testing/store-contract/search.js';
import { SqliteStore } from './index.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

it('indexes for search the messages stored before the search migration', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const migration = SQLITE_MIGRATIONS.find((sql) => sql.includes('CREATE VIRTUAL TABLE messages_fts'));
  const deferred = SQLITE_MIGRATIONS.find((sql) => sql.includes('CREATE TABLE search_state'));
  expect(migration).toBeDefined();
  expect(deferred).toBeDefined();
  try {
    await expectMigrationIndexesStoredMessages(
      store,
      async () => {
        store.db.exec(
          'DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts; DROP TABLE search_state;',
        );
      },
      async () => {
        store.db.exec(migration ?? '');
        store.db.exec(deferred ?? '');
      },
    );
  } finally {
    await store.close();
  }
});
