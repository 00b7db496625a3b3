import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import { moveHorizons } from '../../messages/receipts.js';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Mentions: stored with a message, checked against members, changed by edits, counted past each read horizon. */
export function mentionsContract(fixture: StoreFixture): void {
  describe('mentions', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    const unreadMentions = async (userId: string, conversationId: string) =>
      (await store.conversations.list(userId, { limit: 100, after: null })).find((c) => c.id === conversationId)?.unreadMentionCount;
    const read = (conversationId: string, userId: string, seq: number) =>
      store.messages.applyReceipts([{ conversationId, userId, kind: 'read', seq, now }], moveHorizons);

    it('stores the members a message mentions and whether it mentions everyone, in history and on a retry', async () => {
      const conv = await group(['bob', 'cid']);
      const first = input({ conversationId: conv.id, mentions: ['cid', 'bob'], mentionsAll: true });
      const [created] = await store.messages.append([first, input({ conversationId: conv.id })], appendPlan);
      expect(created).toMatchObject({ ok: true, message: { mentions: ['cid', 'bob'], mentionsAll: true } });
      const [retried] = await store.messages.append([first], appendPlan);
      expect(retried).toMatchObject({ ok: true, created: false, message: { mentions: ['cid', 'bob'], mentionsAll: true } });
      const { messages } = await store.messages.list(conv.id, { limit: 10 });
      expect(messages.map((m) => [m.mentions, m.mentionsAll])).toEqual([
        [['cid', 'bob'], true],
        [[], false],
      ]);
    });

    it('refuses a mention of someone who is not a member, and everyone unless the setting lets the sender', async () => {
      const conv = await group(['bob']);
      const outcomes = await store.messages.append(
        [
          input({ conversationId: conv.id, mentions: ['bob', 'cid'] }),
          input({ conversationId: conv.id, mentions: ['nobody'] }),
          input({ conversationId: conv.id, senderId: 'bob', mentionsAll: true }),
          input({ conversationId: conv.id, mentionsAll: true }),
        ],
        appendPlan,
      );
      expect(outcomes.map((o) => (o.ok ? o.message.seq : o.code))).toEqual([
        'MENTION_NOT_MEMBER',
        'MENTION_NOT_MEMBER',
        'GROUP_MENTION_NOT_ALLOWED',
        1,
      ]);
      expect((await store.conversations.update(conv.id, { groupMentions: 'members' }, now))?.groupMentions).toBe('members');
      const [bobAll] = await store.messages.append([input({ conversationId: conv.id, senderId: 'bob', mentionsAll: true })], appendPlan);
      expect(bobAll).toMatchObject({ ok: true, message: { seq: 2, mentionsAll: true } });
      await store.conversations.update(conv.id, { groupMentions: 'off' }, now);
      const [owner] = await store.messages.append([input({ conversationId: conv.id, mentionsAll: true })], appendPlan);
      expect(owner).toEqual({ ok: false, code: 'GROUP_MENTION_NOT_ALLOWED' });
      expect((await store.conversations.get(conv.id))?.lastSeq).toBe(2);
    });

    it('answers a retry with its stored message after a mentioned member has left', async () => {
      const conv = await group(['bob', 'cid']);
      const first = input({ conversationId: conv.id, mentions: ['cid'] });
      const [original] = await store.messages.append([first], appendPlan);
      await store.conversations.removeMember(conv.id, 'cid', now);
      const [retried] = await store.messages.append([first], appendPlan);
      expect(retried).toMatchObject({ ok: true, created: false, message: original?.ok ? original.message : {} });
      const [fresh] = await store.messages.append([input({ conversationId: conv.id, mentions: ['cid'] })], appendPlan);
      expect(fresh).toEqual({ ok: false, code: 'MENTION_NOT_MEMBER' });
    });

    it('counts unread mentions past each read horizon, once per message, never one’s own', async () => {
      const conv = await group(['bob', 'cid']);
      await store.messages.append(
        [
          input({ conversationId: conv.id, mentions: ['bob'] }),
          input({ conversationId: conv.id, mentions: ['bob'], mentionsAll: true }),
          input({ conversationId: conv.id }),
          input({ conversationId: conv.id, mentionsAll: true }),
          input({ conversationId: conv.id, senderId: 'bob', mentions: ['bob', 'ana'] }),
        ],
        appendPlan,
      );
      expect(await unreadMentions('bob', conv.id)).toBe(3);
      expect(await unreadMentions('cid', conv.id)).toBe(2);
      expect(await unreadMentions('ana', conv.id)).toBe(1);
      await read(conv.id, 'bob', 2);
      expect(await unreadMentions('bob', conv.id)).toBe(1);
      await read(conv.id, 'bob', 5);
      expect(await unreadMentions('bob', conv.id)).toBe(0);
      expect(await unreadMentions('cid', conv.id)).toBe(2);
    });

    it('moves the count with edits that change mentions and with deletes', async () => {
      const conv = await group(['bob', 'cid']);
      const [a, b] = await store.messages.append(
        [input({ conversationId: conv.id, mentions: ['bob'] }), input({ conversationId: conv.id, mentionsAll: true })],
        appendPlan,
      );
      if (!a?.ok || !b?.ok) throw new Error('appends failed');
      expect(await unreadMentions('cid', conv.id)).toBe(1);
      const edited = await store.messages.edit(conv.id, a.message.id, 'now cid', now + 1, { userIds: ['cid'], all: false });
      expect(edited?.message).toMatchObject({ text: 'now cid', mentions: ['cid'], mentionsAll: false });
      expect(await unreadMentions('cid', conv.id)).toBe(2);
      expect(await unreadMentions('bob', conv.id)).toBe(1);
      const textOnly = await store.messages.edit(conv.id, a.message.id, 'same mentions', now + 2);
      expect(textOnly?.message).toMatchObject({ mentions: ['cid'], mentionsAll: false });
      const deleted = await store.messages.delete(conv.id, b.message.id, now + 3);
      expect(deleted?.message).toMatchObject({ mentions: [], mentionsAll: false });
      expect(await unreadMentions('cid', conv.id)).toBe(1);
      expect(await unreadMentions('bob', conv.id)).toBe(0);
    });
  });
}
