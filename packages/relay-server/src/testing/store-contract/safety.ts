import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store, StoredReport } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Blocks, mutes, bans and reports: what every adapter's `store.safety` must do. */
export function safetyContract(fixture: StoreFixture): void {
  describe('safety', () => {
    const { group, now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('blocks once per pair, lists the blocker’s own blocks, and unblocks', async () => {
      expect(await store.safety.block('ana', 'bob', now)).toBe(true);
      expect(await store.safety.block('ana', 'bob', now + 5)).toBe(false);
      expect(await store.safety.block('ana', 'cid', now + 1)).toBe(true);
      expect(await store.safety.blocks('ana')).toEqual([
        { blockedId: 'bob', createdAt: now },
        { blockedId: 'cid', createdAt: now + 1 },
      ]);
      expect(await store.safety.blocks('bob')).toEqual([]);
      expect(await store.safety.hasBlocked('ana', 'bob')).toBe(true);
      expect(await store.safety.hasBlocked('bob', 'ana')).toBe(false);
      expect(await store.safety.blockersOf('bob', ['ana', 'cid', 'nobody'])).toEqual(new Set(['ana']));
      expect(await store.safety.blockersOf('bob', [])).toEqual(new Set());
      expect(await store.safety.unblock('ana', 'bob')).toBe(true);
      expect(await store.safety.unblock('ana', 'bob')).toBe(false);
      expect(await store.safety.hasBlocked('ana', 'bob')).toBe(false);
    });

    it('refuses sends in a private conversation blocked either way, never in a group, and by a muted member until the mute ends', async () => {
      const { conversation: pair } = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'bob'], now });
      const room = await group(['bob', 'cid']);
      expect(await store.safety.sendRestrictions(pair.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.safety.block('ana', 'bob', now);
      expect(await store.safety.sendRestrictions(pair.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: true });
      expect(await store.safety.sendRestrictions(pair.id, 'ana', now)).toEqual({ mutedUntil: undefined, blocked: true });
      expect(await store.safety.sendRestrictions(room.id, 'bob', now)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.safety.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'mute',
        until: now + 1000,
        createdBy: 'ana',
        createdAt: now,
      });
      expect(await store.safety.sendRestrictions(room.id, 'cid', now)).toEqual({ mutedUntil: now + 1000, blocked: false });
      expect(await store.safety.sendRestrictions(room.id, 'cid', now + 1000)).toEqual({ mutedUntil: undefined, blocked: false });
      await store.safety.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'mute',
        until: null,
        createdBy: null,
        createdAt: now,
      });
      expect(await store.safety.sendRestrictions(room.id, 'cid', now + 5000)).toEqual({ mutedUntil: null, blocked: false });
    });

    it('keeps one mute and one ban per member, lists the live ones, and lifts them', async () => {
      const room = await group(['bob', 'cid']);
      await store.safety.restrict({
        conversationId: room.id,
        userId: 'bob',
        kind: 'mute',
        until: now + 10,
        createdBy: 'ana',
        createdAt: now,
      });
      await store.safety.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'ban',
        until: null,
        createdBy: null,
        createdAt: now + 1,
      });
      await store.safety.restrict({
        conversationId: room.id,
        userId: 'cid',
        kind: 'ban',
        until: null,
        createdBy: 'ana',
        createdAt: now + 2,
      });
      expect(await store.safety.restrictions(room.id, now)).toEqual([
        { conversationId: room.id, userId: 'bob', kind: 'mute', until: now + 10, createdBy: 'ana', createdAt: now },
        { conversationId: room.id, userId: 'cid', kind: 'ban', until: null, createdBy: 'ana', createdAt: now + 2 },
      ]);
      expect((await store.safety.restrictions(room.id, now + 10)).map((r) => r.userId)).toEqual(['cid']);
      expect([...(await store.safety.banned(room.id, ['bob', 'cid', 'nobody']))]).toEqual(['cid']);
      expect(await store.safety.banned(room.id, [])).toEqual(new Set());
      expect(await store.safety.lift(room.id, 'cid', 'ban')).toBe(true);
      expect(await store.safety.lift(room.id, 'cid', 'ban')).toBe(false);
      expect(await store.safety.banned(room.id, ['cid'])).toEqual(new Set());
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
      expect(await store.safety.report(first)).toEqual({ report: first, created: true });
      const again = await store.safety.report(report({ messageId: first.messageId, reason: 'hate' }));
      expect(again).toEqual({ report: first, created: false });
      const second = report({ reporterId: 'cid', messageId: first.messageId, createdAt: now + 1 });
      const third = report({ createdAt: now + 2 });
      await store.safety.report(second);
      await store.safety.report(third);
      const page = await store.safety.listReports({ status: 'open', limit: 2, after: null });
      expect(page.map((r) => r.id)).toEqual([first.id, second.id]);
      expect((await store.safety.listReports({ status: 'open', limit: 2, after: second.id })).map((r) => r.id)).toEqual([third.id]);
      expect(await store.safety.listReports({ status: undefined, limit: 5, after: 'unknown' })).toEqual([]);
      const closed = await store.safety.closeReport(second.id, 'dismissed', 'fine', now + 9);
      expect(closed).toMatchObject({ status: 'dismissed', note: 'fine', closedAt: now + 9 });
      // Closed already: stays as it was closed.
      expect(await store.safety.closeReport(second.id, 'resolved', null, now + 10)).toMatchObject({
        status: 'dismissed',
        closedAt: now + 9,
      });
      expect(await store.safety.closeReport('nope', 'resolved', null, now)).toBeNull();
      expect((await store.safety.listReports({ status: 'open', limit: 5, after: null })).map((r) => r.id)).toEqual([first.id, third.id]);
      expect((await store.safety.listReports({ status: 'dismissed', limit: 5, after: null })).map((r) => r.id)).toEqual([second.id]);
      expect(await store.safety.getReport(first.id)).toEqual(first);
    });
  });
}
