import { beforeEach, describe, expect, it } from 'vitest';
import { planSettings } from '../../inbox/settings.js';
import { appendPlan } from '../../messages/append-plan.js';
import type { AppendInput, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Push preferences and the recipients of a new message: what every adapter's `store.pushPreferences` must do. */
export function pushPreferencesContract(fixture: StoreFixture): void {
  describe('push preferences', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });
    const register = (id: string, userId: string) =>
      store.devices.register({ id, userId, endpoint: `https://push.example/${id}`, p256dh: 'key', auth: 'secret', now, max: 5 });
    const append = async (...inputs: AppendInput[]) => {
      for (const outcome of await store.messages.append(inputs, appendPlan)) if (!outcome.ok) throw new Error(outcome.code);
    };

    it('keeps each user’s preferences whole, null for a user who never set any, mutedMentions null until set', async () => {
      expect(await store.pushPreferences.get('bob')).toBeNull();
      await store.pushPreferences.put('bob', { messages: false, mentions: true, threadReplies: false, mutedMentions: null }, now);
      expect(await store.pushPreferences.get('bob')).toEqual({
        messages: false,
        mentions: true,
        threadReplies: false,
        mutedMentions: null,
      });
      await store.pushPreferences.put('bob', { messages: true, mentions: false, threadReplies: true, mutedMentions: true }, now + 1);
      expect(await store.pushPreferences.get('bob')).toEqual({ messages: true, mentions: false, threadReplies: true, mutedMentions: true });
      await store.pushPreferences.put('bob', { messages: true, mentions: false, threadReplies: true, mutedMentions: false }, now + 2);
      expect((await store.pushPreferences.get('bob'))?.mutedMentions).toBe(false);
      expect(await store.pushPreferences.get('cid')).toBeNull();
    });

    it('gives every device of the other members with their mute, thread participation and preferences', async () => {
      const conv = await group(['bob', 'cid']);
      await register('a1', 'ana');
      await register('b1', 'bob');
      await register('b2', 'bob');
      await register('c1', 'cid');
      await store.inbox.updateSettings(
        { conversationId: conv.id, userId: 'cid', patch: { mutedUntil: now + 60_000 }, now },
        planSettings(5),
      );
      await store.pushPreferences.put('bob', { messages: false, mentions: true, threadReplies: true, mutedMentions: true }, now);
      const root = input({ conversationId: conv.id, senderId: 'bob' });
      await append(root, input({ conversationId: conv.id, senderId: 'cid', threadId: root.id }));

      const plain = await store.pushPreferences.recipients({ conversationId: conv.id, senderId: 'ana', threadId: null, now });
      const byDevice = Object.fromEntries(plain.map((r) => [r.device.id, r]));
      expect(Object.keys(byDevice).sort()).toEqual(['b1', 'b2', 'c1']);
      expect(byDevice.b1).toMatchObject({
        device: { userId: 'bob', endpoint: 'https://push.example/b1', p256dh: 'key' },
        muted: false,
        participant: false,
        preferences: { messages: false, mentions: true, threadReplies: true, mutedMentions: true },
      });
      expect(byDevice.c1).toMatchObject({
        muted: true,
        participant: false,
        preferences: { messages: true, mentions: true, threadReplies: true, mutedMentions: null },
      });

      // In the thread: bob wrote its root, cid replied in it; ana (now a recipient, the sender being null) did neither.
      const threaded = await store.pushPreferences.recipients({
        conversationId: conv.id,
        senderId: null,
        threadId: root.id,
        now: now + 60_000,
      });
      expect(Object.fromEntries(threaded.map((r) => [r.device.id, [r.participant, r.muted]]))).toEqual({
        a1: [false, false],
        b1: [true, false],
        b2: [true, false],
        c1: [true, false],
      });
      // A thread of another conversation makes no one a participant here.
      const other = await store.pushPreferences.recipients({ conversationId: conv.id, senderId: 'ana', threadId: 'no-such-root', now });
      expect(other.every((r) => !r.participant)).toBe(true);
    });
  });
}
