import { join } from 'node:path';
import { SqliteStore } from '@chat4all/relay-server';
import { token } from './clients.js';
import type { BenchServer } from './spawn.js';

/** Different words in the seeded text; a few are common, most rare (a power law, as in real chat). */
const VOCABULARY = 20_000;
const CONVERSATIONS = 1_000;
/** Searches timed, one at a time, after as many untimed ones. */
const SEARCHES = 200;

/** The same sequence on every run (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const word = (next: () => number) => `w${Math.floor(VOCABULARY * next() ** 3).toString(36)}`;

/**
 * Seeds the relay's SQLite file under `dataDir` with `messages` messages in one transaction of
 * direct inserts, then indexed for search (as appends are, shortly after): 1,000 groups of
 * 20 writers, the reader a member of every other one, 6–15 words a message. Returns the seconds taken.
 */
export async function seedSearch(dataDir: string, messages: number): Promise<number> {
  const t0 = performance.now();
  const store = new SqliteStore({ path: join(dataDir, 'chat4all.db'), synchronous: 'normal' });
  await store.migrate();
  const { db } = store;
  const next = random(19);
  const writers = Array.from({ length: 20 }, (_, i) => `search-writer-${i}`);
  const now = Date.now() - messages * 1000;
  db.transaction(() => {
    const user = db.prepare('INSERT INTO users (id, created_at, updated_at) VALUES (?, ?, ?)');
    for (const id of ['search-reader', ...writers]) user.run(id, now, now);
    const conversation = db.prepare(
      "INSERT INTO conversations (id, type, title, created_at, last_activity_at, last_seq) VALUES (?, 'group', 'g', ?, ?, ?)",
    );
    const member = db.prepare("INSERT INTO members (conversation_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)");
    const perConversation = Math.ceil(messages / CONVERSATIONS);
    for (let c = 0; c < CONVERSATIONS; c++) {
      conversation.run(`search-c${c}`, now, now, perConversation);
      for (const id of writers) member.run(`search-c${c}`, id, now);
      if (c % 2 === 0) member.run(`search-c${c}`, 'search-reader', now);
    }
    const message = db.prepare(
      "INSERT INTO messages (id, conversation_id, seq, kind, sender_id, text, created_at) VALUES (?, ?, ?, 'text', ?, ?, ?)",
    );
    for (let i = 0; i < messages; i++) {
      const c = i % CONVERSATIONS;
      const words = Array.from({ length: 6 + Math.floor(next() * 10) }, () => word(next));
      message.run(
        `search-m${i}`,
        `search-c${c}`,
        Math.floor(i / CONVERSATIONS) + 1,
        writers[i % writers.length],
        words.join(' '),
        now + i * 1000,
      );
    }
  })();
  // A search indexes every message not yet indexed before it reads: the relay starts with all of them indexed.
  await store.search.messages({ userId: 'search-reader', terms: [{ word: 'w0', prefix: false }], limit: 1 });
  await store.close();
  return (performance.now() - t0) / 1000;
}

/**
 * Searches as the reader over HTTP, one at a time, a mix: a common word, a rare one, two words, a
 * prefix, and a word in one conversation; and, as the ceiling, reads of a page of 20 of one
 * conversation's history (an indexed range read): latency in ms, sorted.
 */
export async function searchLatency(relay: BenchServer): Promise<{ search: number[]; history: number[] }> {
  const reader = await token('search-reader');
  const next = random(7);
  const query = (i: number) => {
    const kind = i % 5;
    if (kind === 0) return `q=${word(next)}`;
    if (kind === 1) return `q=w${Math.floor(VOCABULARY * (0.5 + next() / 2)).toString(36)}`;
    if (kind === 2) return `q=${word(next)}+${word(next)}`;
    if (kind === 3)
      return `q=w${Math.floor(VOCABULARY * next())
        .toString(36)
        .slice(0, 2)}*`;
    return `q=${word(next)}&conversationId=search-c${2 * Math.floor(next() * (CONVERSATIONS / 2))}`;
  };
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${relay.port}${path}`, { headers: { authorization: `Bearer ${reader}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const time = async (path: (i: number) => string) => {
    for (let i = 0; i < SEARCHES; i++) await get(path(i));
    const samples: number[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const t0 = performance.now();
      await get(path(i));
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };
  return {
    search: await time((i) => `/v1/search/messages?${query(i)}&limit=20`),
    history: await time((i) => `/v1/conversations/search-c${(2 * i) % CONVERSATIONS}/messages?limit=20`),
  };
}
