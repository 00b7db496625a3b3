import { beforeEach, describe, expect, it } from 'vitest';
import type { ModerationDecision, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Moderation decisions: what every adapter's `store.moderation` must do. */
export function moderationContract(fixture: StoreFixture): void {
  describe('moderation', () => {
    const { now } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });
    const claim = (owner: string, at = now, messageId = 'm1') =>
      store.moderation.claim({ messageId, conversationId: 'c1', senderId: 'ana', owner, now: at, leaseMs: 1000 });
    const decision = (over: Partial<ModerationDecision> = {}): ModerationDecision => ({
      messageId: 'm1',
      conversationId: 'c1',
      senderId: 'ana',
      origin: 'app',
      action: 'reject',
      reason: 'No',
      text: null,
      source: 'hook',
      message: { id: 'm1', text: 'bad' },
      decidedAt: now + 10,
      digest: 'd1',
      ...over,
    });

    it('lets one owner claim an id at a time, hands an abandoned claim over, and keeps the first decision', async () => {
      expect(await claim('a')).toEqual({ kind: 'claimed' });
      expect(await claim('b', now + 500)).toEqual({ kind: 'pending', leaseUntil: now + 1000 });
      // a's lease ran out (it died): b takes the claim over; the first decision written holds.
      expect(await claim('b', now + 1000)).toEqual({ kind: 'claimed' });
      const held = await store.moderation.decide(decision({ reason: 'from b' }));
      expect(held).toMatchObject({ action: 'reject', reason: 'from b', message: { id: 'm1', text: 'bad' }, digest: 'd1' });
      expect(await store.moderation.decide(decision({ action: 'allow', reason: null }))).toEqual(held);
      expect(await claim('c', now + 5000)).toEqual({ kind: 'decided', decision: held });
      expect(await store.moderation.get('m1')).toEqual(held);
      expect(await store.moderation.get('m2')).toBeNull();
    });

    it('gives a slow owner and the one that took its claim over the same decision, the first written', async () => {
      expect(await claim('a')).toEqual({ kind: 'claimed' });
      expect(await claim('b', now + 1000)).toEqual({ kind: 'claimed' });
      // a was only slow: it decides before b, and b (deciding otherwise) is given a's decision.
      const fromA = await store.moderation.decide(decision({ action: 'allow', reason: null, message: null }));
      expect(fromA).toMatchObject({ action: 'allow', reason: null });
      expect(await store.moderation.decide(decision({ reason: 'from b' }))).toEqual(fromA);
      expect(await store.moderation.get('m1')).toEqual(fromA);
      expect(await claim('c', now + 5000)).toEqual({ kind: 'decided', decision: fromA });
    });

    it('records a decision with no claim, lists rejections newest first by page, and forgets only old decisions to allow', async () => {
      await store.moderation.decide(decision({ messageId: 'r1', decidedAt: now + 1 }));
      await store.moderation.decide(decision({ messageId: 'r2', decidedAt: now + 2, origin: 'channel', source: 'rules' }));
      await store.moderation.decide(decision({ messageId: 'a1', action: 'allow', reason: null, message: null, decidedAt: now + 3 }));
      await store.moderation.decide(decision({ messageId: 'x1', conversationId: 'c2', decidedAt: now + 4 }));
      const first = await store.moderation.listRejected('c1', { limit: 1 });
      expect(first.map((d) => [d.messageId, d.origin, d.source])).toEqual([['r2', 'channel', 'rules']]);
      const next = await store.moderation.listRejected('c1', { before: first[0]?.decidedAt, beforeId: first[0]?.messageId, limit: 10 });
      expect(next.map((d) => d.messageId)).toEqual(['r1']);
      // Two rejections in one millisecond: the page ends between them, and the next starts at the other.
      await store.moderation.decide(decision({ messageId: 'r0', decidedAt: now + 1 }));
      const tied = await store.moderation.listRejected('c1', { before: now + 2, beforeId: 'r2', limit: 1 });
      expect(tied.map((d) => d.messageId)).toEqual(['r1']);
      const after = await store.moderation.listRejected('c1', { before: now + 1, beforeId: 'r1', limit: 10 });
      expect(after.map((d) => d.messageId)).toEqual(['r0']);
      expect(await store.moderation.purge(now + 100)).toBe(1);
      expect(await store.moderation.get('a1')).toBeNull();
      expect(await store.moderation.get('r1')).not.toBeNull();
    });
  });
}
