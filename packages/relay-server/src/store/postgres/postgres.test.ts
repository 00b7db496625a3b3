import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchemas, POSTGRES_URL } from '../../../test/fixtures.js';
import { appendPlan } from '../../messages/append-plan.js';
import { storeContract } from '../../testing/store-contract/index.js';
import { expectMigrationIndexesStoredMessages } from '../../testing/store-contract/search.js';
import type { AppendInput } from '../types.js';
import { PostgresStore } from './index.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

const url = POSTGRES_URL;
const schemas: string[] = [];

storeContract('postgres', () => {
  const schema = `contract_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return new PostgresStore({ url, schema, max: 4 });
});

afterAll(() => dropSchemas(schemas));

describe('PostgresStore shared by several nodes', () => {
  it('plans every statement for its own parameters, so a plan cached while the tables were small is never reused', async () => {
    const store = new PostgresStore({ url, max: 1 });
    try {
      const rows = await Promise.all([1, 2, 3].map(() => store.sql<{ plan_cache_mode: string }[]>`SHOW plan_cache_mode`));
      expect(rows.flat().map((row) => row.plan_cache_mode)).toEqual(['force_custom_plan', 'force_custom_plan', 'force_custom_plan']);
    } finally {
      await store.close();
    }
  });

  it('assigns gap-free seqs and stores each client id once when nodes append to one conversation at once', async () => {
    const schema = `shared_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const nodes = [0, 1, 2].map(() => new PostgresStore({ url, schema, max: 4 }));
    try {
      await Promise.all(nodes.map((node) => node.migrate()));
      const [first] = nodes as [PostgresStore];
      const now = Date.now();
      for (const id of ['ana', 'bob']) await first.users.upsert({ id }, now);
      const conversation = await first.conversations.createGroup({
        id: 'c1',
        title: null,
        avatarUrl: null,
        metadata: {},
        ownerId: 'ana',
        memberIds: ['bob'],
        now,
      });
      const input = (id: string): AppendInput => ({
        id,
        attachment: null,
        content: null,
        conversationId: conversation.id,
        senderId: 'ana',
        kind: 'text',
        text: id,
        metadata: {},
        replyTo: null,
        now,
      });
      // 3 nodes × 20 batches × 25 messages; every id is also sent by the next node (a client retrying elsewhere).
      const ids = Array.from({ length: 1500 }, () => randomUUID());
      const batches = nodes.flatMap((node, n) =>
        Array.from({ length: 20 }, (_, b) => {
          const own = ids.slice((n * 20 + b) * 25, (n * 20 + b + 1) * 25);
          const retried = ids.slice((((n + 1) % 3) * 20 + b) * 25, (((n + 1) % 3) * 20 + b) * 25 + 5);
          return node.messages.append([...own, ...retried].map(input), appendPlan);
        }),
      );
      const outcomes = (await Promise.all(batches)).flat();
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const { messages } = await first.messages.list(conversation.id, { after: 0, limit: 2000 });
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
      expect(new Set(messages.map((m) => m.id)).size).toBe(1500);
      // Every outcome for an id names the one stored seq.
      const seqOf = new Map(messages.map((m) => [m.id, m.seq]));
      for (const o of outcomes) if (o.ok) expect(o.message.seq).toBe(seqOf.get(o.message.id));
      expect((await first.conversations.get(conversation.id))?.lastSeq).toBe(1500);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });
});

describe('PostgresStore search', () => {
  it('indexes for search the messages stored before the search migration', async () => {
    const schema = `search_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const store = new PostgresStore({ url, schema, max: 1 });
    const migration = POSTGRES_MIGRATIONS.find((sql) => sql.includes('ADD COLUMN search tsvector'));
    expect(migration).toBeDefined();
    try {
      await expectMigrationIndexesStoredMessages(
        store,
        async () => {
          await store.sql.unsafe('ALTER TABLE messages DROP COLUMN search');
        },
        async () => {
          await store.sql.unsafe(migration ?? '');
        },
      );
    } finally {
      await store.close();
    }
  });
});
