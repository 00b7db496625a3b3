import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBus } from './bus/memory.js';
import type { DispatchItem } from './channels/dispatcher.js';
import { resolveConfig } from './config.js';
import { createInfrastructure } from './infrastructure.js';
import { MemoryWorkQueue } from './queue/memory.js';
import { SqliteStore } from './store/sqlite/index.js';

describe('createInfrastructure', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat4all-infra-'));
  const config = resolveConfig({
    dataDir,
    auth: { appSecret: 'infra-test-secret-0123456789-abcdefghij', apiKey: 'sk_infra_test_0123456789abcdefghijklmn' },
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('opens the embedded defaults: SQLite (migrated), the memory bus, in-process shared state, files, no locker', async () => {
    const infrastructure = await createInfrastructure({
      ...config,
      store: { ...config.store, sqlite: { ...config.store.sqlite, path: ':memory:' } },
    });
    expect(infrastructure.store).toBeInstanceOf(SqliteStore);
    expect(infrastructure.bus).toBeInstanceOf(MemoryBus);
    expect(infrastructure.locker).toBeUndefined();
    await infrastructure.store.users.ensure('ana', null, Date.now());
    expect(await infrastructure.store.users.get('ana')).toMatchObject({ id: 'ana' });
    await infrastructure.close();
  });

  it('closes what it opened, not the store, bus and shared state it was given; the dispatch queue it was given it closes', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const bus = new MemoryBus();
    let queueClosed = false;
    const dispatchQueue = new MemoryWorkQueue<DispatchItem>({ concurrency: 1 });
    const closeQueue = dispatchQueue.close.bind(dispatchQueue);
    dispatchQueue.close = async () => {
      queueClosed = true;
      await closeQueue();
    };
    const infrastructure = await createInfrastructure(config, { store, bus, dispatchQueue });
    await infrastructure.close();
    expect(queueClosed).toBe(true);
    await store.users.ensure('still-open', null, Date.now());
    await bus.publish({ kind: 'presence', userId: 'u', event: { type: 'presence', userId: 'u', status: 'online', lastSeenAt: null } });
    await store.close();
    await bus.close();
  });

  it('fails the start with the error of an upload directory it cannot make, leaving open the store it was given', async () => {
    const blocked = mkdtempSync(join(tmpdir(), 'chat4all-infra-blocked-'));
    try {
      // A file where the uploads directory should be.
      writeFileSync(join(blocked, 'uploads'), 'not a directory');
      const store = new SqliteStore({ path: ':memory:' });
      await expect(createInfrastructure({ ...config, dataDir: blocked }, { store })).rejects.toMatchObject({ code: 'EEXIST' });
      // Given, so still open.
      await store.users.ensure('after-failed-start', null, Date.now());
      await store.close();
    } finally {
      rmSync(blocked, { recursive: true, force: true });
    }
  });
});
