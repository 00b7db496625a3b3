import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@chat4all/relay-server';
import { serve } from './ipc.js';

// The embedded store's ceiling: the relay's own SQLite file (its schema, indexes and pragmas,
// synchronous=FULL), written with nothing else in the process: each transaction inserts a
// batch of message rows and moves the conversation's last seq, as an append batch does, with
// no protocol, checks, acks or delivery. `POST /run?messages=N&batch=B` answers rows per second.
const dir = mkdtempSync(join(tmpdir(), 'chat4all-bench-sqlite-'));
const store = new SqliteStore({ path: join(dir, 'chat4all.db') });
await store.migrate();
const { db } = store;
const conversationId = randomUUID();
const now = Date.now();
db.prepare("INSERT INTO conversations (id, type, created_at, last_activity_at) VALUES (?, 'private', ?, ?)").run(conversationId, now, now);
const insert = db.prepare(
  `INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, metadata, mentions, created_at)
   VALUES (?, ?, ?, 'text', NULL, ?, '{}', '[]', ?)`,
);
const advance = db.prepare('UPDATE conversations SET last_seq = ?, last_activity_at = ? WHERE id = ?');
let seq = 0;
const batchOf = (size: number) =>
  db.transaction(() => {
    const at = Date.now();
    for (let i = 0; i < size; i++) {
      seq++;
      insert.run(randomUUID(), conversationId, seq, `message ${seq}`, at);
    }
    advance.run(seq, at, conversationId);
  });

const http = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const messages = Number(url.searchParams.get('messages') ?? 100_000);
  const batch = Number(url.searchParams.get('batch') ?? 256);
  const started = performance.now();
  for (let written = 0; written < messages; written += batch) batchOf(Math.min(batch, messages - written)).immediate();
  const rate = messages / ((performance.now() - started) / 1000);
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rate }));
});
http.listen(0, '127.0.0.1', () => {
  serve((http.address() as AddressInfo).port, async () => {
    http.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
