import { beforeEach, describe, expect, it } from 'vitest';
import { planSettings } from '../../inbox/settings.js';
import { appendPlan } from '../../messages/append-plan.js';
import { moveHorizons } from '../../messages/receipts.js';
import type { SettingsPatch, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Each member's own settings and unread totals: what every adapter's `store.inbox` must do. */
export function inboxContract(fixture: StoreFixture): void {
  describe('inbox', () => {
    const { group, input } = fixture;
    // Real time: a mute is judged against the clock when read.
    const now = Date.now();
    const plan = planSettings(2);
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });
    const change = (conversationId: string, userId: string, patch: SettingsPatch, at = now) =>
      store.inbox.updateSettings({ conversationId, userId, patch, now: at }, plan);

    it("keeps each member's settings to themselves, logs a change as their own event, and nothing for no change", async () => {
      const conv = await group(['bob']);
      expect(await store.inbox.settings(conv.id, 'bob')).toEqual({
        mutedUntil: null,
        archived: false,
        pinnedAt: null,
        markedUnread: false,
      });
      const muted = await change(conv.id, 'bob', { mutedUntil: now + 60_000, markedUnread: true });
      expect(muted).toEqual({
        ok: true,
        settings: { mutedUntil: new Date(now + 60_000).toISOString(), archived: false, pinnedAt: null, markedUnread: true },
        eventSeq: 1,
      });
      expect(await store.inbox.settings(conv.id, 'ana')).toMatchObject({ mutedUntil: null, markedUnread: false });
      expect(await change(conv.id, 'bob', { markedUnread: true })).toMatchObject({ ok: true, eventSeq: null });
      expect(await store.conversations.listEvents(conv.id, 0, 10)).toEqual([
        { eventSeq: 1, type: 'settings.updated', messageId: null, userId: 'bob' },
      ]);
      expect((await store.conversations.get(conv.id))?.lastEventSeq).toBe(1);
      expect(await change(conv.id, 'cid', { archived: true })).toEqual({ ok: false, code: 'CONVERSATION_NOT_FOUND' });
      expect(await change('missing', 'bob', { archived: true })).toEqual({ ok: false, code: 'CONVERSATION_NOT_FOUND' });
      expect(await store.inbox.settings(conv.id, 'cid')).toBeNull();
    });

    it('pins up to the limit, most recent pin first in the list, archived ones filtered, and clears a mark once', async () => {
      const [a, b, c] = [await group(['bob']), await group(['bob']), await group(['bob'])];
      expect(await change(a.id, 'bob', { pinned: true }, now)).toMatchObject({
        ok: true,
        settings: { pinnedAt: new Date(now).toISOString() },
      });
      expect(await change(b.id, 'bob', { pinned: true }, now + 1)).toMatchObject({ ok: true });
      expect(await change(c.id, 'bob', { pinned: true })).toEqual({ ok: false, code: 'TOO_MANY_PINNED_CONVERSATIONS' });
      // Pinning again keeps the place; archiving unpins.
      expect(await change(a.id, 'bob', { pinned: true }, now + 5)).toMatchObject({ ok: true, eventSeq: null });
      await store.messages.append([input({ conversationId: c.id, now: now + 10 })], appendPlan);
      const list = await store.conversations.list('bob', { limit: 10, after: null });
      expect(list.map((s) => s.id)).toEqual([b.id, a.id, c.id]);
      expect(list[0]?.settings.pinnedAt).toBe(new Date(now + 1).toISOString());
      const page = await store.conversations.list('bob', { limit: 10, after: { pinnedAt: now + 1, lastActivityAt: 0, id: b.id } });
      expect(page.map((s) => s.id)).toEqual([a.id, c.id]);
      expect(await change(b.id, 'bob', { archived: true })).toMatchObject({ settings: { archived: true, pinnedAt: null } });
      expect((await store.conversations.list('bob', { limit: 10, after: null, archived: true })).map((s) => s.id)).toEqual([b.id]);
      expect((await store.conversations.list('bob', { limit: 10, after: null, archived: false })).map((s) => s.id)).toEqual([a.id, c.id]);

      await change(c.id, 'bob', { markedUnread: true });
      expect(await store.inbox.clearMarkedUnread(c.id, 'bob', now)).toMatchObject({ settings: { markedUnread: false }, eventSeq: 2 });
      expect(await store.inbox.clearMarkedUnread(c.id, 'bob', now)).toBeNull();
    });

    it('totals unread messages and conversations in one query, leaving muted and archived ones out and counting marked ones', async () => {
      const [plain, muted, archived, marked, read] = [
        await group(['bob']),
        await group(['bob']),
        await group(['bob']),
        await group(['bob']),
        await group(['bob']),
      ];
      for (const conv of [plain, muted, archived, read])
        await store.messages.append([input({ conversationId: conv.id }), input({ conversationId: conv.id })], appendPlan);
      // Bob's own message is never unread to him; a deleted one is not either.
      await store.messages.append([input({ conversationId: plain.id, senderId: 'bob' })], appendPlan);
      await store.messages.applyReceipts([{ conversationId: read.id, userId: 'bob', kind: 'read', seq: 2, now }], moveHorizons);
      await change(muted.id, 'bob', { mutedUntil: now + 3_600_000 });
      await change(archived.id, 'bob', { archived: true });
      await change(marked.id, 'bob', { markedUnread: true });
      expect(await store.inbox.unreadTotals('bob', now)).toEqual({ messages: 2, conversations: 2 });
      // Once the mute ends, its conversation counts again.
      expect(await store.inbox.unreadTotals('bob', now + 3_600_001)).toEqual({ messages: 4, conversations: 3 });
      expect(await store.inbox.unreadTotals('cid', now)).toEqual({ messages: 0, conversations: 0 });
    });
  });
}
