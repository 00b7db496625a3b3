import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import type { PinInput, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Pinned messages: what every adapter's `store.pins` must do. */
export function pinsContract(fixture: StoreFixture): void {
  describe('pins', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    const messages = async (conversationId: string, count: number): Promise<string[]> => {
      const outcomes = await store.messages.append(
        Array.from({ length: count }, () => input({ conversationId })),
        appendPlan,
      );
      return outcomes.map((o) => (o.ok ? o.message.id : ''));
    };
    const pin = (over: Partial<PinInput> & Pick<PinInput, 'conversationId' | 'messageId'>) =>
      store.pins.pin({ userId: 'ana', expiresAt: null, now, max: 10, ...over });

    it('pins with who and when, lists newest first, and records an event only for a change', async () => {
      const conv = await group();
      const [first = '', second = ''] = await messages(conv.id, 2);
      const pinned = await pin({ conversationId: conv.id, messageId: first });
      expect(pinned).toEqual({
        ok: true,
        pin: {
          conversationId: conv.id,
          messageId: first,
          pinnedBy: 'ana',
          pinnedAt: new Date(now).toISOString(),
          expiresAt: null,
          message: expect.objectContaining({ id: first, seq: 1, text: 'hello' }),
        },
        eventSeq: 1,
      });
      expect(await pin({ conversationId: conv.id, messageId: first, now: now + 5 })).toMatchObject({ ok: true, eventSeq: null });
      await pin({ conversationId: conv.id, messageId: second, userId: null, now: now + 10 });
      expect((await store.pins.list(conv.id, now + 20)).map((p) => [p.messageId, p.pinnedBy])).toEqual([
        [second, null],
        [first, 'ana'],
      ]);
      // Pinning again with another expiry changes it, and who and when.
      const until = now + 60_000;
      expect(await pin({ conversationId: conv.id, messageId: second, userId: 'bob', expiresAt: until, now: now + 30 })).toMatchObject({
        ok: true,
        pin: { pinnedBy: 'bob', pinnedAt: new Date(now + 30).toISOString(), expiresAt: new Date(until).toISOString() },
        eventSeq: 3,
      });
      expect((await store.conversations.listEvents(conv.id, 0, 10)).map((e) => [e.type, e.messageId, e.userId])).toEqual([
        ['pin.updated', first, 'ana'],
        ['pin.updated', second, null],
        ['pin.updated', second, 'bob'],
      ]);
      expect((await store.conversations.get(conv.id))?.lastEventSeq).toBe(3);
    });

    it('unpins once with an event; an unknown or other conversation’s message is refused', async () => {
      const conv = await group();
      const other = await group();
      const [id = ''] = await messages(conv.id, 1);
      await pin({ conversationId: conv.id, messageId: id });
      expect(await store.pins.unpin(conv.id, id, 'bob', now)).toEqual({ ok: true, eventSeq: 2 });
      expect(await store.pins.unpin(conv.id, id, 'bob', now)).toEqual({ ok: true, eventSeq: null });
      expect(await store.pins.list(conv.id, now)).toEqual([]);
      expect(await store.pins.get(conv.id, id, now)).toBeNull();
      expect(await store.pins.unpin(conv.id, randomUUID(), 'bob', now)).toEqual({ ok: false, code: 'MESSAGE_NOT_FOUND' });
      expect(await pin({ conversationId: conv.id, messageId: randomUUID() })).toEqual({ ok: false, code: 'MESSAGE_NOT_FOUND' });
      expect(await pin({ conversationId: other.id, messageId: id })).toEqual({ ok: false, code: 'MESSAGE_NOT_FOUND' });
      expect(await store.pins.unpin(other.id, id, 'ana', now)).toEqual({ ok: false, code: 'MESSAGE_NOT_FOUND' });
    });

    it('holds the limit to current pins: lapsed pins and deleted messages neither list nor count', async () => {
      const conv = await group();
      const [a = '', b = '', c = '', d = ''] = await messages(conv.id, 4);
      await pin({ conversationId: conv.id, messageId: a, expiresAt: now + 100, max: 2 });
      await pin({ conversationId: conv.id, messageId: b, max: 2 });
      expect(await pin({ conversationId: conv.id, messageId: c, max: 2 })).toEqual({ ok: false, code: 'TOO_MANY_PINS' });
      // A repeat of a pin held is not a new one.
      expect(await pin({ conversationId: conv.id, messageId: b, max: 2 })).toMatchObject({ ok: true, eventSeq: null });
      expect((await store.pins.list(conv.id, now + 100)).map((p) => p.messageId)).toEqual([b]);
      expect(await store.pins.get(conv.id, a, now + 100)).toBeNull();
      expect(await pin({ conversationId: conv.id, messageId: c, max: 2, now: now + 100 })).toMatchObject({ ok: true });
      await store.messages.delete(conv.id, b, now + 200);
      expect((await store.pins.list(conv.id, now + 200)).map((p) => p.messageId)).toEqual([c]);
      expect(await pin({ conversationId: conv.id, messageId: b, now: now + 200 })).toEqual({ ok: false, code: 'MESSAGE_DELETED' });
      expect(await pin({ conversationId: conv.id, messageId: d, max: 2, now: now + 300 })).toMatchObject({ ok: true });
      expect((await store.pins.list(conv.id, now + 300)).map((p) => p.messageId)).toEqual([d, c]);
      // An unpin of a lapsed pin is no change.
      expect(await store.pins.unpin(conv.id, a, 'ana', now + 300)).toEqual({ ok: true, eventSeq: null });
    });

    it('keeps the limit when pins of one conversation race', async () => {
      const conv = await group();
      const ids = await messages(conv.id, 6);
      const outcomes = await Promise.all(ids.map((messageId) => pin({ conversationId: conv.id, messageId, max: 3 })));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
      expect(await store.pins.list(conv.id, now)).toHaveLength(3);
    });
  });
}
