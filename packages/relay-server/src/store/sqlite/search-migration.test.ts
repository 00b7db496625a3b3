import { expect, it } from 'vitest';
import { expectMigrationIndexesStoredMessages } from '../../testing/store-contract/search.js';
import { SqliteStore } from './index.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

it('indexes for search the messages stored before the search migration', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const migration = SQLITE_MIGRATIONS.find((sql) => sql.includes('CREATE VIRTUAL TABLE messages_fts'));
  expect(migration).toBeDefined();
  try {
    await expectMigrationIndexesStoredMessages(
      store,
      async () => {
        store.db.exec(
          'DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts;',
        );
      },
      async () => {
        store.db.exec(migration ?? '');
      },
    );
  } finally {
    await store.close();
  }
});
