import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '@chat4all/relay-server';
import { serve } from './ipc.js';

// The real relay in its embedded default (SQLite, synchronous=FULL: every ack is durable
// to power loss; BENCH_SQLITE_SYNCHRONOUS=normal measures crash-only durability), with the
// per-user and per-IP limits lifted so they do not shape the load. With BENCH_POSTGRES_URL
// it is one node of a scaled deployment: PostgreSQL store, Redis Streams bus.
// BENCH_DATA_DIR: a data directory seeded beforehand (the search row's messages).
// BENCH_OFFLINE_GRACE_MS: the grace before a user with no socket is offline (the presence row uses 0).
// BENCH_VAPID_PUBLIC_KEY and BENCH_VAPID_PRIVATE_KEY: Web Push on, to a fake push service on loopback (the push row).
const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'chat4all-bench-'));
const { BENCH_POSTGRES_URL, BENCH_POSTGRES_SCHEMA, BENCH_REDIS_URL, BENCH_REDIS_PREFIX } = process.env;
const scaled = BENCH_POSTGRES_URL
  ? ({
      store: { driver: 'postgres', postgres: { url: BENCH_POSTGRES_URL, schema: BENCH_POSTGRES_SCHEMA, poolSize: 8 } },
      bus: { driver: 'redis', redis: { url: BENCH_REDIS_URL, keyPrefix: BENCH_REDIS_PREFIX } },
    } as const)
  : ({ store: { sqlite: { synchronous: process.env.BENCH_SQLITE_SYNCHRONOUS === 'normal' ? 'normal' : 'full' } } } as const);
const relay = await createRelay({
  port: 0,
  dataDir,
  logLevel: 'warn',
  ...scaled,
  auth: { appSecret: process.env.BENCH_APP_SECRET, apiKey: process.env.BENCH_API_KEY },
  ...(process.env.BENCH_VAPID_PUBLIC_KEY
    ? {
        push: {
          enabled: true,
          content: 'full',
          allowInsecureEndpoints: true,
          allowPrivateAddresses: true,
          vapid: {
            publicKey: process.env.BENCH_VAPID_PUBLIC_KEY,
            privateKey: process.env.BENCH_VAPID_PRIVATE_KEY,
            subject: 'mailto:bench@example.com',
          },
        },
      }
    : {}),
  ...(process.env.BENCH_OFFLINE_GRACE_MS ? { realtime: { offlineGraceMs: Number(process.env.BENCH_OFFLINE_GRACE_MS) } } : {}),
  limits: {
    messagesPerMinute: 100_000_000,
    messageBurst: 10_000_000,
    connectAttemptsPerMinutePerIp: 100_000_000,
    // Every bench client is 127.0.0.1; the login flood stands for many addresses.
    loginsPerMinutePerIp: 100_000_000,
    connectionsPerUser: 100_000,
    // Every bench socket comes from 127.0.0.1 (10,000 of them for the heap row).
    connectionsPerIp: 1_000_000,
    receiptsPerMinute: 100_000_000,
    resumesPerMinute: 100_000_000,
    settingsPerMinute: 100_000_000,
    searchesPerMinute: 100_000_000,
    presenceSubscriptionsPerMinute: 100_000_000,
  },
});
const url = await relay.listen();
serve(Number(new URL(url).port), async () => {
  await relay.close();
  rmSync(dataDir, { recursive: true, force: true });
});
