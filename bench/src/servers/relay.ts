import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '@chat4all/relay-server';
import { serve } from './ipc.js';

// The real relay in its embedded default (SQLite, synchronous=FULL: every ack is durable
// to power loss; BENCH_SQLITE_SYNCHRONOUS=normal measures crash-only durability), with the
// per-user and per-IP limits lifted so they do not shape the load.
const dataDir = mkdtempSync(join(tmpdir(), 'chat4all-bench-'));
const relay = await createRelay({
  port: 0,
  dataDir,
  logLevel: 'warn',
  store: { sqlite: { synchronous: process.env.BENCH_SQLITE_SYNCHRONOUS === 'normal' ? 'normal' : 'full' } },
  auth: { appSecret: process.env.BENCH_APP_SECRET, apiKey: process.env.BENCH_API_KEY },
  limits: {
    messagesPerMinute: 100_000_000,
    messageBurst: 10_000_000,
    connectAttemptsPerMinutePerIp: 100_000_000,
    connectionsPerUser: 100_000,
  },
});
const url = await relay.listen();
serve(Number(new URL(url).port), async () => {
  await relay.close();
  rmSync(dataDir, { recursive: true, force: true });
});
