import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { now, uuidv7 } from './clients.js';

/**
 * What PostgreSQL alone can store on this machine: `writers` connections each inserting
 * batches of `batch` message-shaped rows in one multi-row `INSERT … ON CONFLICT DO NOTHING`
 * per transaction, for `seconds`. Rows per second. Nothing else runs meanwhile.
 */
export async function batchedInserts(url: string, seconds: number, writers = 4, batch = 256): Promise<number> {
  const schema = `bench_ceiling_${randomUUID().slice(0, 8)}`;
  const sql = postgres(url, { max: writers, onnotice: () => {} });
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  await sql.unsafe(`CREATE TABLE ${schema}.messages (
    id uuid PRIMARY KEY, conversation_id text NOT NULL, seq bigint NOT NULL, sender_id text NOT NULL,
    kind text NOT NULL, text text, metadata jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, seq))`);
  let rows = 0;
  let seq = 0;
  const until = now() + seconds * 1000;
  const writer = async (w: number) => {
    while (now() < until) {
      const values = Array.from({ length: batch }, () => ({
        id: uuidv7(),
        conversation_id: `conversation-${w}`,
        seq: ++seq,
        sender_id: 'sender',
        kind: 'text',
        text: `${seq} ${now()}`,
        metadata: sql.json({}),
      }));
      await sql.begin((tx) => tx`INSERT INTO ${sql(schema)}.messages ${sql(values)} ON CONFLICT (id) DO NOTHING`);
      rows += batch;
    }
  };
  const started = now();
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  const elapsed = (now() - started) / 1000;
  await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
  await sql.end();
  return rows / elapsed;
}

/**
 * What Redis Streams alone can fan out: one connection `XADD`s message-sized entries with
 * `window` in flight while another reads them with a blocking `XREAD`, until `total` have
 * arrived. Entries per second.
 */
export async function streamFanout(url: string, total: number, window = 256): Promise<number> {
  const key = `bench:ceiling:${randomUUID().slice(0, 8)}`;
  const publisher = new Redis(url);
  const reader = new Redis(url);
  const payload = JSON.stringify({ kind: 'conversation', conversationId: 'c', event: { type: 'message.created', text: 'x'.repeat(200) } });
  let received = 0;
  const started = now();
  const reading = (async () => {
    let cursor = '0-0';
    while (received < total) {
      const reply = (await reader.xread('COUNT', 1000, 'BLOCK', 1000, 'STREAMS', key, cursor)) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      for (const [, entries] of reply ?? []) {
        received += entries.length;
        cursor = entries[entries.length - 1]?.[0] ?? cursor;
      }
    }
  })();
  let sent = 0;
  while (sent < total) {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < window && sent < total; i++, sent++)
      inFlight.push(publisher.xadd(key, 'MAXLEN', '~', 10_000, '*', 'e', payload, 't', String(now())));
    await Promise.all(inFlight);
  }
  await reading;
  const rate = total / ((now() - started) / 1000);
  await publisher.del(key);
  publisher.disconnect();
  reader.disconnect();
  return rate;
}
