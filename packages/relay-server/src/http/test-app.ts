import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { authPlugin } from '../auth/plugin.js';
import { MemoryBus } from '../bus/memory.js';
import { type RelayConfig, type RelayConfigInput, resolveConfig } from '../config.js';
import { conversationsPlugin } from '../conversations/plugin.js';
import { messagesPlugin } from '../messages/plugin.js';
import { Tracing } from '../observability/tracing.js';
import { pinsPlugin } from '../pins/plugin.js';
import { safetyPlugin } from '../safety/plugin.js';
import { MemorySharedState } from '../shared/memory.js';
import { SqliteStore } from '../store/sqlite/index.js';
import { uploadsPlugin } from '../uploads/plugin.js';
import { FileUploadStorage } from '../uploads/storage.js';
import { createApp } from './app.js';

/** The secrets of apps built by `testApp`. */
export const TEST_SECRETS = { appSecret: 'plugin-test-app-secret-0123456789-abcdefghij', apiKey: 'sk_plugin_test_0123456789abcdefghij' };

export interface TestApp {
  app: FastifyInstance;
  config: RelayConfig;
  store: SqliteStore;
  bus: MemoryBus;
  shared: MemorySharedState;
}

/**
 * An app with the relay's core and real in-process infrastructure (SQLite in memory, the
 * memory bus and shared state, files under a temporary `dataDir`), for testing feature plugins
 * with `app.inject()`; closing the app closes the infrastructure and removes `dataDir`.
 */
export async function testApp(input: RelayConfigInput = {}): Promise<TestApp> {
  const config = resolveConfig({
    logLevel: 'silent',
    dataDir: mkdtempSync(join(tmpdir(), 'chat4all-plugin-')),
    ...input,
    auth: { ...TEST_SECRETS, ...input.auth },
    store: { sqlite: { path: ':memory:' } },
  });
  const store = new SqliteStore({ path: ':memory:' });
  await store.migrate();
  const bus = new MemoryBus();
  const shared = new MemorySharedState();
  const app = await createApp({ config, log: pino({ level: 'silent' }), bus, shared, tracing: new Tracing(undefined) });
  app.addHook('onClose', async () => {
    await shared.close();
    await bus.close();
    await store.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  return { app, config, store, bus, shared };
}

/**
 * Registers auth, conversations, uploads, messages and pins, in the relay's order: what the
 * channels, webhooks and realtime features are built on.
 */
export async function registerMessagePath({ app, config, store, bus }: TestApp): Promise<void> {
  const { limits } = config;
  await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits, store, bus });
  await app.register(conversationsPlugin, { metadataMaxBytes: limits.metadataMaxBytes, store });
  await app.register(safetyPlugin, { store });
  const storage = new FileUploadStorage(join(config.dataDir, 'uploads'), config.uploads.expireAfterMs);
  await app.register(uploadsPlugin, { config: config.uploads, limits, linkSecret: TEST_SECRETS.appSecret, store, storage });
  await app.register(messagesPlugin, { limits, store });
  await app.register(pinsPlugin, { limits, store });
}
