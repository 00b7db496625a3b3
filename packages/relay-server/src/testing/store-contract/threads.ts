import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import type { AppendInput, Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/**
 * Threads: replies take the conversation's next seq, keep their root's summary in the append's
 * transaction, page in their thread, stay out of the conversation's view and counts unless sent
 * there too, and each member reads a thread up to a horizon of their own.
 */
export function threadsContract(fixture: StoreFixture): void {
  describe('threads', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    const append = async (...inputs: AppendInput[]) =>
      (await store.messages.append(inputs, appendPlan)).map((o) => (o.ok ? o.message.seq : o.code));
    const unread = async (userId: string, conversationId: string) =>
      (await store.conversations.list(userId, { limit: 100, after: null })).find((c) => c.id === conversationId);

    it('appends replies in one batch with their root, in conversation order, and keeps the root’s summary', async () => {
      const conv = await group(['bob', 'cid']);
      const root = input({ conversationId: conv.id });
      const first = input({ conversationId: conv.id, senderId: 'bob', threadId: root.id });
      expect(
        await append(
          root,
          first,
          input({ conversationId: conv.id, senderId: 'cid', threadId: root.id, showInConversation: true }),
          input({ conversationId: conv.id }),
        ),
      ).toEqual([1, 2, 3, 4]);
      // A retry is answered with the original and moves nothing.
      expect(await append(first, input({ conversationId: conv.id, senderId: 'bob', threadId: root.id, now: now + 5 }))).toEqual([2, 5]);
      const stored = await store.messages.get(conv.id, root.id);
      expect(stored?.thread).toEqual({
        replyCount: 3,
        lastReplyId: expect.any(String),
        lastReplySeq: 5,
        lastReplyAt: new Date(now + 5).toISOString(),
        participants: ['bob', 'cid'],
      });
      const reply = await store.messages.get(conv.id, first.id);
      expect(reply).toMatchObject({ threadId: root.id, showInConversation: false, thread: null });
      expect((await store.conversations.get(conv.id))?.lastSeq).toBe(5);
    });

    it('refuses a root of another conversation, a reply as a root, and a deleted root', async () => {
      const conv = await group(['bob']);
      const other = await group(['bob']);
      const root = input({ conversationId: conv.id });
      const reply = input({ conversationId: conv.id, threadId: root.id });
      const gone = input({ conversationId: conv.id });
      await append(root, reply, gone);
      await store.messages.delete(conv.id, gone.id, now);
      expect(
        await append(
          input({ conversationId: other.id, threadId: root.id }),
          input({ conversationId: conv.id, threadId: 'no-such-message' }),
          input({ conversationId: conv.id, threadId: reply.id }),
          input({ conversationId: conv.id, threadId: gone.id }),
        ),
      ).toEqual(['THREAD_ROOT_NOT_FOUND', 'THREAD_ROOT_NOT_FOUND', 'NESTED_THREAD', 'THREAD_ROOT_DELETED']);
      // A reply already stored is still answered as a retry once its root is deleted.
      await store.messages.delete(conv.id, root.id, now);
      expect(await append(reply)).toEqual([2]);
      expect((await store.messages.get(conv.id, root.id))?.thread?.replyCount).toBe(1);
    });

    it('pages a thread both ways and leaves thread-only replies out of the conversation’s view, unread count and last message', async () => {
      const conv = await group(['bob']);
      const root = input({ conversationId: conv.id });
      const replies = Array.from({ length: 5 }, (_, i) =>
        input({ conversationId: conv.id, senderId: 'bob', threadId: root.id, showInConversation: i === 2 }),
      );
      await append(root, ...replies, input({ conversationId: conv.id, senderId: 'bob', text: 'in the conversation' }));
      await append(input({ conversationId: conv.id, senderId: 'bob', threadId: root.id }));
      const thread = { thread: root.id };
      const newest = await store.messages.list(conv.id, { limit: 3, view: thread });
      expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 8]);
      expect(newest.hasMore).toBe(true);
      const older = await store.messages.list(conv.id, { before: 5, limit: 3, view: thread });
      expect([older.messages.map((m) => m.seq), older.hasMore]).toEqual([[2, 3, 4], false]);
      const newer = await store.messages.list(conv.id, { after: 3, limit: 2, view: thread });
      expect([newer.messages.map((m) => m.seq), newer.hasMore]).toEqual([[4, 5], true]);
      const inConversation = await store.messages.list(conv.id, { limit: 10, view: { conversation: true } });
      expect(inConversation.messages.map((m) => m.seq)).toEqual([1, 4, 7]);
      // Resume reads everything.
      expect((await store.messages.list(conv.id, { limit: 10 })).messages).toHaveLength(8);
      const summary = await unread('ana', conv.id);
      expect(summary?.unreadCount).toBe(2);
      expect(summary?.lastMessage?.seq).toBe(7);
      expect(await store.inbox.unreadTotals('ana', now)).toEqual({ messages: 2, conversations: 1 });
    });

    it('keeps each member’s read horizon per thread, never back nor past its last reply, and counts what is unread after it', async () => {
      const conv = await group(['bob', 'cid']);
      const root = input({ conversationId: conv.id });
      const other = input({ conversationId: conv.id });
      await append(root, other);
      await append(
        input({ conversationId: conv.id, senderId: 'bob', threadId: root.id }),
        input({ conversationId: conv.id, threadId: root.id }),
        input({ conversationId: conv.id, senderId: 'cid', threadId: root.id }),
        input({ conversationId: conv.id, senderId: 'bob', threadId: other.id }),
      );
      expect(await store.messages.threadReadState(conv.id, root.id, 'ana')).toEqual({ readSeq: 0, unreadCount: 2 });
      expect(await store.messages.threadReadState(conv.id, root.id, 'bob')).toEqual({ readSeq: 0, unreadCount: 2 });
      expect(await store.messages.readThread(conv.id, root.id, 'ana', 3)).toEqual({ readSeq: 3, unreadCount: 1 });
      expect(await store.messages.readThread(conv.id, root.id, 'ana', 1)).toEqual({ readSeq: 3, unreadCount: 1 });
      expect(await store.messages.readThread(conv.id, root.id, 'ana', 99)).toEqual({ readSeq: 5, unreadCount: 0 });
      expect(await store.messages.threadReadState(conv.id, other.id, 'ana')).toEqual({ readSeq: 0, unreadCount: 1 });
      // A deleted reply is not unread.
      const { messages } = await store.messages.list(conv.id, { limit: 10, view: { thread: root.id } });
      await store.messages.delete(conv.id, messages[2]?.id as string, now);
      expect(await store.messages.threadReadState(conv.id, root.id, 'bob')).toEqual({ readSeq: 0, unreadCount: 1 });
      expect((await store.messages.get(conv.id, root.id))?.thread?.replyCount).toBe(3);
    });
  });
}
