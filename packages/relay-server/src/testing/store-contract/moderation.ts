import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, StoredReport } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Blocks, mutes, bans and reports: what every adapter's `store.moderation` must do. */
export function moderationContract(fixture: StoreFixture): void {
  describe('moderation', () => {
    const { group, now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('blocks once per pair, lists the blocker’s own blocks, and unblocks', async () => {
      expect(await store.moderation.block('ana', 'bob', now)).toBe(true);
      expect(await store.moderation.block('ana', 'bob', now + 5)).toBe(false);
      expect(await store.moderation.block('ana', 'cid', now + 1)).toBe(true);
      expect(await store.moderation.blocks('ana')).toEqual([
        { blockedId: 'bob', createdAt: now },
        { blockedId: 'cid', createdAt: now + 1 },
      ]);
      expect(await store.moderation.blocks('bob')).toEqual([]);
      expect(await store.moderation.hasBlocked('ana', 'bob')).toBe(true);
      expect(await store.moderation.hasBlocked('bob', 'ana')).toBe(false);
      expect(await store.moderation.blockersOf('bob', ['ana', 'cid', 'nobody'])).toEqual(new Set(['ana']));
      expect(await store.moderation.blockersOf('bob', [])).toEqual(new Set());
      expect(await store.moderation.unblock('ana', 'bob')).toBe(true);
      expect(await store.moderation.unblock('ana', 'bob')).toBe(false);
      expect(await store.moderation.hasBlocked('ana', 'bob')).toBe(false);
    });

    it('refuses sends in a private conversation blocked either way, never in a group, and by a muted member until the mute ends', async () => {
      const { conversation: pair } = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'bob'], now });
      const room = await group(['bob', 'cid']);
      expect(await store.moderation.sendRestrictions(pair.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.moderation.block('ana', 'bob', now);
      expect(await store.moderation.sendRestrictions(pair.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: true });
      expect(await store.moderation.sendRestrictions(pair.id, 'ana', now)).toEqual({ mutedUntil: undefined, blocked: true });
      expect(await store.moderation.sendRestrictions(room.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.moderation.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'mute',
        until: now + 1000,
        createdBy: 'ana',
        createdAt: now,
      });
      expect(await store.moderation.sendRestrictions(room.id, 'cid', now)).toEqual({ mutedUntil: now + 1000, blocked: false });
      expect(await store.moderation.sendRestrictions(room.id, 'cid', now + 1000)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.moderation.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'mute',
        until: null,
        createdBy: null,
        createdAt: now,
      });
      expect(await store.moderation.sendRestrictions(room.id, 'cid', now + 5000)).toEqual({ mutedUntil: null, blocked: false });
    });

    it('keeps one mute and one ban per member, lists the live ones, and lifts them', async () => {
      const room = await group(['bob', 'cid']);
      await store.moderation.restrict({
        conversationId: room.id,
        userId: 'bob',
        kind: 'mute',
        until: now + 10,
        createdBy: 'ana',
        createdAt: now,
      });
      await store.moderation.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'ban',
        until: null,
        createdBy: null,
        createdAt: now + 1,
      });
      await store.moderation.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'ban',
        until: null,
        createdBy: 'ana',
        createdAt: now + 2,
      });
      expect(await store.moderation.restrictions(room.id, now)).toEqual([
        { conversationId: room.id, userId: 'bob', kind: 'mute', until: now + 10, createdBy: 'ana', createdAt: now },
        { conversationId: room.id, userId: 'cid', kind: 'ban', until: null, createdBy: 'ana', createdAt: now + 2 },
      ]);
      expect((await store.moderation.restrictions(room.id, now + 10)).map((r) => r.userId)).toEqual(['cid']);
      expect([...(await store.moderation.banned(room.id, ['bob', 'cid', 'nobody']))]).toEqual(['cid']);
      expect(await store.moderation.banned(room.id, [])).toEqual(new Set());
      expect(await store.moderation.lift(room.id, 'cid', 'ban')).toBe(true);
      expect(await store.moderation.lift(room.id, 'cid', 'ban')).toBe(false);
      expect(await store.moderation.banned(room.id, ['cid'])).toEqual(new Set());
    });

    it('keeps one report per reporter per message, pages the queue by status, and closes a report once', async () => {
      const room = await group(['bob', 'cid']);
      const report = (over: Partial<StoredReport>): StoredReport => ({
        id: randomUUID(),
        conversationId: room.id,
        messageId: randomUUID(),
        reporterId: 'bob',
        reason: 'spam',
        text: null,
        status: 'open',
        createdAt: now,
        closedAt: null,
        note: null,
        ...over,
      });
      const first = report({ text: 'ads' });
      expect(await store.moderation.report(first)).toEqual({ report: first, created: true });
      const again = await store.moderation.report(report({ messageId: first.messageId, reason: 'hate' }));
      expect(again).toEqual({ report: first, created: false });
      const second = report({ reporterId: 'cid', messageId: first.messageId, createdAt: now + 1 });
      const third = report({ createdAt: now + 2 });
      await store.moderation.report(second);
      await store.moderation.report(third);
      const page = await store.moderation.listReports({ status: 'open', limit: 2, after: null });
      expect(page.map((r) => r.id)).toEqual([first.id, second.id]);
      expect((await store.moderation.listReports({ status: 'open', limit: 2, after: second.id })).map((r) => r.id)).toEqual([third.id]);
      expect(await store.moderation.listReports({ status: undefined, limit: 5, after: 'unknown' })).toEqual([]);
      const closed = await store.moderation.closeReport(second.id, 'dismissed', 'fine', now + 9);
      expect(closed).toMatchObject({ status: 'dismissed', note: 'fine', closedAt: now + 9 });
      // Closed already: stays as it was closed.
      expect(await store.moderation.closeReport(second.id, 'resolved', null, now + 10)).toMatchObject({
        status: 'dismissed',
        closedAt: now + 9,
      });
      expect(await store.moderation.closeReport('nope', 'resolved', null, now)).toBeNull();
      expect((await store.moderation.listReports({ status: 'open', limit: 5, after: null })).map((r) => r.id)).toEqual([
        first.id,
        third.id,
      ]);
      expect((await store.moderation.listReports({ status: 'dismissed', limit: 5, after: null })).map((r) => r.id)).toEqual([second.id]);
      expect(await store.moderation.getReport(first.id)).toEqual(first);
    });
  });
}
