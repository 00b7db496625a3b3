import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import { planReactions, type ReactionChange } from '../../messages/reactions.js';
import { moveHorizons } from '../../messages/receipts.js';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Messages: appends, edits, deletes, reactions and receipts: what every adapter's `store.messages` must do. */
export function messagesContract(fixture: StoreFixture): void {
  describe('messages', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('assigns per-conversation seq 1..n in one batch and across batches', async () => {
      const a = await group();
      const b = await group();
      const batch = [input({ conversationId: a.id }), input({ conversationId: b.id }), input({ conversationId: a.id })];
      const outcomes = await store.messages.append(batch, appendPlan);
      expect(outcomes.map((o) => (o.ok ? [o.message.conversationId, o.message.seq] : o.code))).toEqual([
        [a.id, 1],
        [b.id, 1],
        [a.id, 2],
      ]);
      const [next] = await store.messages.append([input({ conversationId: a.id })], appendPlan);
      expect(next).toMatchObject({ ok: true, created: true, message: { seq: 3 } });
      expect((await store.conversations.get(a.id))?.lastSeq).toBe(3);
    });

    it('is idempotent on the message id, within a batch and forever after', async () => {
      const conv = await group();
      const first = input({ conversationId: conv.id });
      const [original] = await store.messages.append([first], appendPlan);
      const retried = await store.messages.append([{ ...first, now: now + 5000, text: 'changed' }, { ...first }], appendPlan);
      for (const outcome of retried) {
        expect(outcome).toEqual({ ok: true, created: false, message: original?.ok ? original.message : undefined });
      }
      const page = await store.messages.list(conv.id, { limit: 10 });
      expect(page.messages).toHaveLength(1);
    });

    it('stores every field of a batch exactly as given, whatever characters it holds', async () => {
      const conv = await group();
      const awkward = ['NULL', 'null', '', '"quoted", {braced}, back\\slash', 'line\nbreak\ttab', 'emoji 👋🏽 and ünïcödé', "it's"];
      const first = input({ conversationId: conv.id, text: 'first' });
      const batch = [
        first,
        ...awkward.map((text, i) =>
          input({ conversationId: conv.id, text, metadata: { text, n: i, nested: { list: [null, true, text] } }, replyTo: first.id }),
        ),
        input({ conversationId: conv.id, senderId: null, kind: 'system', text: 'NULL' }),
        input({
          conversationId: conv.id,
          kind: 'file',
          text: '',
          attachment: {
            uploadId: 'u1',
            name: 'a "b", {c}.txt',
            type: 'text/plain',
            size: 3,
            sha256: 'ab'.repeat(32),
            width: null,
            height: null,
            thumbnail: null,
          },
        }),
      ];
      const outcomes = await store.messages.append(batch, appendPlan);
      expect(outcomes.every((o) => o.ok && o.created)).toBe(true);
      const { messages } = await store.messages.list(conv.id, { after: 0, limit: 50 });
      expect(messages.map((m) => [m.id, m.seq, m.senderId, m.kind, m.text, m.metadata, m.attachment ?? null, m.replyTo ?? null])).toEqual(
        batch.map((b, i) => [b.id, i + 1, b.senderId, b.kind, b.text, b.metadata, b.attachment, b.replyTo]),
      );
    });

    it('refuses an id reused by another sender or conversation', async () => {
      const conv = await group(['bob']);
      const other = await group();
      const msg = input({ conversationId: conv.id });
      await store.messages.append([msg], appendPlan);
      const outcomes = await store.messages.append(
        [
          { ...msg, senderId: 'bob' },
          { ...msg, conversationId: other.id },
        ],
        appendPlan,
      );
      expect(outcomes).toEqual([
        { ok: false, code: 'MESSAGE_ID_CONFLICT' },
        { ok: false, code: 'MESSAGE_ID_CONFLICT' },
      ]);
    });

    it('answers a non-member, or a member removed since, who sends a stored id as any other non-member send', async () => {
      const conv = await group(['bob']);
      const sent = input({ conversationId: conv.id, senderId: 'bob' });
      await store.messages.append([sent], appendPlan);
      expect(await store.messages.append([{ ...sent, senderId: 'cid' }], appendPlan)).toEqual([
        { ok: false, code: 'CONVERSATION_NOT_FOUND' },
      ]);
      await store.conversations.removeMember(conv.id, 'bob', Date.now());
      expect(await store.messages.append([sent], appendPlan)).toEqual([{ ok: false, code: 'CONVERSATION_NOT_FOUND' }]);
    });

    it('refuses non-members, unknown conversations and foreign reply targets without consuming a seq', async () => {
      const conv = await group(['bob']);
      const other = await group();
      const [foreign] = await store.messages.append([input({ conversationId: other.id })], appendPlan);
      const outcomes = await store.messages.append(
        [
          input({ conversationId: conv.id, senderId: 'cid' }),
          input({ conversationId: 'missing' }),
          input({ conversationId: conv.id, replyTo: foreign?.ok ? foreign.message.id : null }),
          input({ conversationId: conv.id, senderId: null, kind: 'system' }),
        ],
        appendPlan,
      );
      expect(outcomes.map((o) => (o.ok ? o.message.seq : o.code))).toEqual([
        'CONVERSATION_NOT_FOUND',
        'CONVERSATION_NOT_FOUND',
        'REPLY_TARGET_NOT_FOUND',
        1,
      ]);
    });

    it('pages history by seq in both directions', async () => {
      const conv = await group();
      await store.messages.append(
        Array.from({ length: 25 }, (_, i) => input({ conversationId: conv.id, text: `m${i + 1}` })),
        appendPlan,
      );
      const latest = await store.messages.list(conv.id, { limit: 10 });
      expect(latest.messages.map((m) => m.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
      expect(latest.hasMore).toBe(true);
      const older = await store.messages.list(conv.id, { before: 6, limit: 10 });
      expect(older).toMatchObject({ hasMore: false });
      expect(older.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      const newer = await store.messages.list(conv.id, { after: 20, limit: 3 });
      expect(newer.messages.map((m) => m.text)).toEqual(['m21', 'm22', 'm23']);
      expect(newer.hasMore).toBe(true);
      expect((await store.messages.list(conv.id, { after: 25, limit: 3 })).messages).toEqual([]);
    });

    it('edits and tombstones messages, keeping the seq, with one event per change', async () => {
      const conv = await group();
      const [appended] = await store.messages.append([input({ conversationId: conv.id, metadata: { k: 'v' } })], appendPlan);
      const id = appended?.ok ? appended.message.id : '';
      const edited = await store.messages.edit(conv.id, id, 'edited', now + 10);
      expect(edited).toMatchObject({ message: { text: 'edited', editedAt: new Date(now + 10).toISOString(), seq: 1 }, eventSeq: 1 });
      const deleted = await store.messages.delete(conv.id, id, now + 20);
      expect(deleted).toMatchObject({
        message: { text: '', metadata: {}, seq: 1, deletedAt: new Date(now + 20).toISOString() },
        eventSeq: 2,
      });
      expect(await store.messages.delete(conv.id, id, now + 30)).toEqual({ message: deleted?.message, eventSeq: null });
      expect(await store.messages.edit(conv.id, id, 'again', now + 40)).toEqual({ message: deleted?.message, eventSeq: null });
      expect(await store.messages.edit(conv.id, randomUUID(), 'x', now)).toBeNull();
      expect(await store.messages.delete(conv.id, randomUUID(), now)).toBeNull();
      expect(await store.messages.get('other', id)).toBeNull();
      expect(await store.messages.getMany(conv.id, [id, randomUUID()])).toEqual([deleted?.message]);
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.messageId])).toEqual([
        ['message.updated', id],
        ['message.deleted', id],
      ]);
      expect((await store.conversations.get(conv.id))?.lastEventSeq).toBe(2);
    });

    it('sets link previews only on the text they were found in, with an event, and drops them with the message', async () => {
      const conv = await group();
      const [appended] = await store.messages.append([input({ conversationId: conv.id, text: 'see https://a.example' })], appendPlan);
      const id = appended?.ok ? appended.message.id : '';
      expect(appended).toMatchObject({ ok: true, message: { previews: [] } });
      const preview = { url: 'https://a.example', title: 'A', description: null, siteName: 'Example', imageUrl: 'https://a.example/i.png' };
      const set = await store.messages.setPreviews(conv.id, id, 'see https://a.example', [preview], now + 1);
      expect(set).toMatchObject({ message: { previews: [preview], editedAt: null }, eventSeq: 1 });
      expect((await store.messages.get(conv.id, id))?.previews).toEqual([preview]);
      // The same previews again, or previews of a text the message no longer has, change nothing.
      expect(await store.messages.setPreviews(conv.id, id, 'see https://a.example', [preview], now + 2)).toBeNull();
      const edited = await store.messages.edit(conv.id, id, 'now https://b.example', now + 3, undefined, []);
      expect(edited).toMatchObject({ message: { previews: [] }, eventSeq: 2 });
      expect(await store.messages.setPreviews(conv.id, id, 'see https://a.example', [preview], now + 4)).toBeNull();
      const kept = await store.messages.setPreviews(
        conv.id,
        id,
        'now https://b.example',
        [{ ...preview, url: 'https://b.example' }],
        now + 5,
      );
      expect(kept?.eventSeq).toBe(3);
      // An edit that leaves previews out keeps them.
      expect((await store.messages.edit(conv.id, id, 'now https://b.example!', now + 6))?.message.previews).toHaveLength(1);
      expect((await store.messages.delete(conv.id, id, now + 7))?.message.previews).toEqual([]);
      expect(await store.messages.setPreviews(conv.id, id, '', [preview], now + 8)).toBeNull();
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => e.type)).toEqual([
        'message.updated',
        'message.updated',
        'message.updated',
        'message.updated',
        'message.deleted',
      ]);
    });

    it('changes reactions by plan in one transaction, with an event per change, and drops them on delete', async () => {
      const conv = await group();
      const [appended] = await store.messages.append([input({ conversationId: conv.id })], appendPlan);
      const id = appended?.ok ? appended.message.id : '';
      const limits = { perUser: 1, keysPerMessage: 2 };
      const react = (userId: string, change: ReactionChange, at = now) =>
        store.messages.react(conv.id, id, userId, (current) => planReactions(current, userId, change, limits, at), at);
      expect(await react('bob', { add: '👍' })).toMatchObject({
        ok: true,
        message: { reactions: [{ key: '👍', count: 1, userIds: ['bob'] }] },
        eventSeq: 1,
      });
      // Concurrent changes by two members are both kept.
      await Promise.all([react('ana', { add: '👍' }, now + 1), react('cid', { add: '🎉' }, now + 2)]);
      expect((await store.messages.get(conv.id, id))?.reactions).toEqual([
        { key: '👍', count: 2, userIds: ['bob', 'ana'] },
        { key: '🎉', count: 1, userIds: ['cid'] },
      ]);
      expect(await react('bob', { add: '👍' })).toMatchObject({ ok: true, eventSeq: null });
      expect(await react('bob', { add: '❤️' })).toEqual({ ok: false, code: 'TOO_MANY_REACTIONS' });
      // One per user: bob's new reaction replaces his first.
      await react('bob', { add: '🎉' }, now + 3);
      const [listed] = (await store.messages.list(conv.id, { limit: 10 })).messages;
      expect(listed?.reactions).toEqual([
        { key: '👍', count: 1, userIds: ['ana'] },
        { key: '🎉', count: 2, userIds: ['cid', 'bob'] },
      ]);
      expect(await store.messages.react(conv.id, randomUUID(), 'bob', () => null, now)).toBeNull();
      await store.messages.delete(conv.id, id, now + 4);
      expect(await react('ana', { remove: '👍' })).toMatchObject({ ok: true, message: { reactions: [] }, eventSeq: null });
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.userId])).toEqual([
        ['reaction.updated', 'bob'],
        ['reaction.updated', expect.any(String)],
        ['reaction.updated', expect.any(String)],
        ['reaction.updated', 'bob'],
        ['message.deleted', null],
      ]);
    });

    it('moves receipt horizons only forward, never past the last seq, read implying delivered', async () => {
      const conv = await group(['bob']);
      await store.messages.append(
        Array.from({ length: 5 }, () => input({ conversationId: conv.id })),
        appendPlan,
      );
      const receipt = (kind: 'delivered' | 'read', seq: number, userId = 'bob') => ({ conversationId: conv.id, userId, kind, seq, now });
      const outcomes = await store.messages.applyReceipts(
        [
          receipt('delivered', 3),
          receipt('delivered', 2),
          receipt('read', 2),
          receipt('read', 99),
          receipt('read', 1),
          receipt('read', 1, 'cid'),
        ],
        moveHorizons,
      );
      expect(outcomes).toEqual([
        { ok: true, deliveredSeq: 3, readSeq: 0, eventSeq: 1 },
        { ok: true, deliveredSeq: 3, readSeq: 0, eventSeq: null },
        { ok: true, deliveredSeq: 3, readSeq: 2, eventSeq: 2 },
        { ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: 3 },
        { ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: null },
        { ok: false, code: 'CONVERSATION_NOT_FOUND' },
      ]);
      expect(await store.conversations.getMember(conv.id, 'bob')).toMatchObject({ deliveredSeq: 5, readSeq: 5 });
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.userId])).toEqual([
        ['receipt', 'bob'],
        ['receipt', 'bob'],
        ['receipt', 'bob'],
      ]);
      const [summary] = await store.conversations.list('bob', { limit: 1, after: null });
      expect(summary?.unreadCount).toBe(0);
    });
  });
}
