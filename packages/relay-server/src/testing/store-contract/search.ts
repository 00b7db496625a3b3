import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import type { AppendInput, SearchInput, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

const FILE = {
  uploadId: 'u1',
  name: 'notes.txt',
  type: 'text/plain',
  size: 3,
  sha256: 'ab'.repeat(32),
  width: null,
  height: null,
  thumbnail: null,
} as const;

/** Full-text search: what every adapter's `store.search` must do. */
export function searchContract(fixture: StoreFixture): void {
  describe('search', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });
    const append = async (...inputs: AppendInput[]) => {
      const outcomes = await store.messages.append(inputs, appendPlan);
      return outcomes.map((o) => {
        if (!o.ok) throw new Error(o.code);
        return o.message;
      });
    };
    const search = async (over: Partial<SearchInput> & { words: string }) => {
      const { words, ...rest } = over;
      const terms = words.split(' ').map((w) => (w.endsWith('*') ? { word: w.slice(0, -1), prefix: true } : { word: w, prefix: false }));
      const found = await store.search.messages({ userId: 'bob', terms, limit: 50, ...rest });
      return found.map((m) => m.text);
    };

    it('finds messages with every word, whole or as a prefix, case folded, newest first', async () => {
      const conv = await group(['bob']);
      await append(
        input({ conversationId: conv.id, text: 'Deploy the relay tonight', now }),
        input({ conversationId: conv.id, text: 'the relay is deployed', now: now + 1 }),
        input({ conversationId: conv.id, text: 'lunch?', now: now + 2 }),
        input({ conversationId: conv.id, text: 'Olá, ação rápida', now: now + 3 }),
        input({ conversationId: conv.id, text: 'see docs.example.com, v3.14 or ana@example.org', now: now + 4 }),
      );
      expect(await search({ words: 'relay' })).toEqual(['the relay is deployed', 'Deploy the relay tonight']);
      expect(await search({ words: 'deploy relay' })).toEqual(['Deploy the relay tonight']);
      expect(await search({ words: 'deploy* RELAY' })).toEqual(['the relay is deployed', 'Deploy the relay tonight']);
      expect(await search({ words: 'ação' })).toEqual(['Olá, ação rápida']);
      expect(await search({ words: 'nothing' })).toEqual([]);
      // Punctuation splits words in both stores alike, inside hosts, numbers and addresses too.
      for (const words of ['example', 'docs example com', '14', 'v3', 'ana org'])
        expect(await search({ words })).toEqual(['see docs.example.com, v3.14 or ana@example.org']);
    });

    it('holds the syntax of neither index: quotes and operators inside a term are plain text', async () => {
      const conv = await group(['bob']);
      await append(input({ conversationId: conv.id, text: 'NEAR AND OR NOT' }));
      for (const word of ['"', "'", '\\', 'NEAR', 'AND', 'OR', 'NOT', ':', '&', '|', '!', '(', ')', 'a*b', 'a"b', "a'b"]) {
        await expect(search({ words: word })).resolves.toBeInstanceOf(Array);
      }
      expect(await search({ words: 'near and' })).toEqual(['NEAR AND OR NOT']);
    });

    it('follows edits and deletes in their own transaction', async () => {
      const conv = await group(['bob']);
      const [edited, deleted] = await append(
        input({ conversationId: conv.id, text: 'old words', now }),
        input({ conversationId: conv.id, text: 'doomed words', now: now + 1 }),
      );
      if (!edited || !deleted) throw new Error('appended');
      await store.messages.edit(conv.id, edited.id, 'new text', now + 2);
      await store.messages.delete(conv.id, deleted.id, now + 3);
      expect(await search({ words: 'old' })).toEqual([]);
      expect(await search({ words: 'new' })).toEqual(['new text']);
      expect(await search({ words: 'words' })).toEqual([]);
      expect(await search({ words: 'doomed' })).toEqual([]);
    });

    it('follows edits and deletes of messages a search has already found', async () => {
      const conv = await group(['bob']);
      const [edited, deleted, kept] = await append(
        input({ conversationId: conv.id, text: 'first draft', now }),
        input({ conversationId: conv.id, text: 'doomed draft', now: now + 1 }),
        input({ conversationId: conv.id, text: 'kept draft', now: now + 2 }),
      );
      if (!edited || !deleted || !kept) throw new Error('appended');
      expect(await search({ words: 'draft' })).toEqual(['kept draft', 'doomed draft', 'first draft']);
      await store.messages.edit(conv.id, edited.id, 'final copy', now + 3);
      await store.messages.delete(conv.id, deleted.id, now + 4);
      expect(await search({ words: 'draft' })).toEqual(['kept draft']);
      expect(await search({ words: 'final' })).toEqual(['final copy']);
      expect(await search({ words: 'doomed' })).toEqual([]);
    });

    it("finds only what the user can read now: never another's conversation, never after leaving", async () => {
      const mine = await group(['bob']);
      const theirs = await group(['cid']);
      const left = await group(['bob']);
      await append(
        input({ conversationId: mine.id, text: 'secret mine' }),
        input({ conversationId: theirs.id, text: 'secret theirs' }),
        input({ conversationId: left.id, text: 'secret left' }),
      );
      await store.conversations.removeMember(left.id, 'bob', now + 1);
      expect(await search({ words: 'secret' })).toEqual(['secret mine']);
      expect(await search({ words: 'secret', conversationId: theirs.id })).toEqual([]);
      expect(await search({ words: 'secret', userId: 'cid' })).toEqual(['secret theirs']);
    });

    it('filters by conversation, sender, file and time, and pages by cursor', async () => {
      const a = await group(['bob']);
      const b = await group(['bob']);
      const [first, , , last] = await append(
        input({ conversationId: a.id, text: 'report one', now }),
        input({ conversationId: a.id, text: 'report two', senderId: 'bob', now: now + 10 }),
        input({ conversationId: b.id, kind: 'file', text: 'report three', attachment: FILE, now: now + 20 }),
        input({ conversationId: b.id, text: 'report four', now: now + 20 }),
      );
      if (!first || !last) throw new Error('appended');
      expect(await search({ words: 'report', conversationId: a.id })).toEqual(['report two', 'report one']);
      expect(await search({ words: 'report', senderId: 'bob' })).toEqual(['report two']);
      expect(await search({ words: 'report', hasFile: true })).toEqual(['report three']);
      expect(await search({ words: 'report', hasFile: false })).toHaveLength(3);
      expect(await search({ words: 'report', after: now, before: now + 20 })).toEqual(['report two']);
      const all = await store.search.messages({ userId: 'bob', terms: [{ word: 'report', prefix: false }], limit: 50 });
      const pages: string[][] = [];
      let cursor: SearchInput['cursor'];
      for (;;) {
        const page = await store.search.messages({ userId: 'bob', terms: [{ word: 'report', prefix: false }], limit: 3, cursor });
        pages.push(page.map((m) => m.id));
        const end = page.at(-1);
        if (page.length < 3 || !end) break;
        cursor = { createdAt: Date.parse(end.createdAt), id: end.id };
      }
      expect(pages.map((p) => p.length)).toEqual([3, 1]);
      expect(pages.flat()).toEqual(all.map((m) => m.id));
      expect(all.at(-1)?.id).toBe(first.id);
    });
  });
}

/**
 * That an adapter's search migration indexes the messages stored before it: `unindex` undoes
 * the migration (messages written then are in no index), `reindex` runs it again.
 */
export async function expectMigrationIndexesStoredMessages(
  store: Store,
  unindex: () => Promise<void>,
  reindex: () => Promise<void>,
): Promise<void> {
  const now = Date.now();
  await store.migrate();
  for (const id of ['ana', 'bob']) await store.users.upsert({ id }, now);
  const conv = await store.conversations.createGroup({
    id: randomUUID(),
    title: 'g',
    avatarUrl: null,
    metadata: {},
    ownerId: 'ana',
    memberIds: ['bob'],
    now,
  });
  const message = (text: string): AppendInput => ({
    id: randomUUID(),
    conversationId: conv.id,
    senderId: 'ana',
    kind: 'text',
    text,
    metadata: {},
    attachment: null,
    content: null,
    replyTo: null,
    now,
  });
  await store.messages.append([message('stored before the index')], appendPlan);
  await unindex();
  await store.messages.append([message('stored with no index')], appendPlan);
  await reindex();
  await store.messages.append([message('stored after the index')], appendPlan);
  const found = await store.search.messages({ userId: 'bob', terms: [{ word: 'stored', prefix: false }], limit: 10 });
  expect(found.map((m) => m.text).sort()).toEqual(['stored after the index', 'stored before the index', 'stored with no index']);
}
