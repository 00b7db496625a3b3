import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import { moveHorizons } from '../../messages/receipts.js';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Conversations, members, the event log and resume positions: what every adapter's `store.conversations` must do. */
export function conversationsContract(fixture: StoreFixture): void {
  describe('conversations', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('keeps one private conversation per pair, in either order', async () => {
      const first = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'bob'], now });
      const second = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['bob', 'ana'], now });
      expect(first.created).toBe(true);
      expect(second).toEqual({ conversation: first.conversation, created: false });
      expect((await store.conversations.listMembers(first.conversation.id)).map((m) => m.userId).sort()).toEqual(['ana', 'bob']);
    });

    it('manages group members and roles, logging each change as an event', async () => {
      const conv = await group(['bob']);
      expect(await store.conversations.getMember(conv.id, 'ana')).toMatchObject({ role: 'owner', deliveredSeq: 0, readSeq: 0 });
      expect(await store.conversations.addMembers(conv.id, ['bob', 'cid'], 'admin', now)).toEqual([
        { member: expect.objectContaining({ userId: 'cid', role: 'admin' }), eventSeq: 1 },
      ]);
      expect(await store.conversations.setMemberRole(conv.id, 'cid', 'member', now)).toMatchObject({
        member: { userId: 'cid', role: 'member' },
        eventSeq: 2,
      });
      expect(await store.conversations.removeMember(conv.id, 'bob', now)).toBe(3);
      expect(await store.conversations.removeMember(conv.id, 'bob', now)).toBeNull();
      expect(await store.conversations.getMember(conv.id, 'bob')).toBeNull();
      expect(await store.conversations.setMemberRole(conv.id, 'bob', 'admin', now)).toBeNull();
      const updated = await store.conversations.update(conv.id, { title: 'renamed', metadata: { a: 1 } }, now);
      expect(updated).toMatchObject({ title: 'renamed', metadata: { a: 1 }, avatarUrl: null, lastEventSeq: 4 });
      expect(await store.conversations.update('missing', { title: 'x' }, now)).toBeNull();
      expect(await store.conversations.listEvents(conv.id, 0, 10)).toEqual([
        { eventSeq: 1, type: 'member.added', messageId: null, userId: 'cid' },
        { eventSeq: 2, type: 'member.updated', messageId: null, userId: 'cid' },
        { eventSeq: 3, type: 'member.removed', messageId: null, userId: 'bob' },
        { eventSeq: 4, type: 'conversation.updated', messageId: null, userId: null },
      ]);
      expect((await store.conversations.listEvents(conv.id, 2, 1)).map((e) => e.eventSeq)).toEqual([3]);
    });

    it('keeps where a conversation stands in an agent inbox, changes it only when a condition holds, and filters the list by it', async () => {
      const first = await group(['bob']);
      const second = await group(['bob']);
      expect(first).toMatchObject({ status: 'open', assigneeId: null, teamId: null });
      expect(await store.conversations.update(first.id, { assigneeId: 'bob', teamId: 'billing' }, now, { memberId: 'bob' })).toMatchObject({
        status: 'open',
        assigneeId: 'bob',
        teamId: 'billing',
      });
      // Conditions that do not hold write nothing and log nothing.
      const before = (await store.conversations.get(first.id))?.lastEventSeq;
      expect(await store.conversations.update(first.id, { assigneeId: 'zed' }, now, { memberId: 'zed' })).toBeNull();
      expect(await store.conversations.update(first.id, { status: 'open' }, now, { status: 'resolved' })).toBeNull();
      expect(await store.conversations.update(first.id, { assigneeId: null }, now, { assigneeId: 'cid' })).toBeNull();
      expect((await store.conversations.get(first.id))?.lastEventSeq).toBe(before);
      expect(await store.conversations.update(second.id, { status: 'resolved' }, now)).toMatchObject({
        status: 'resolved',
        assigneeId: null,
      });
      const titles = async (filters: Partial<Parameters<Store['conversations']['list']>[1]>) =>
        (await store.conversations.list('ana', { limit: 10, after: null, ...filters })).map((c) => c.id);
      expect(await titles({ status: 'open' })).toEqual([first.id]);
      expect(await titles({ status: 'resolved', assigned: false })).toEqual([second.id]);
      expect(await titles({ assigneeId: 'bob' })).toEqual([first.id]);
      expect(await titles({ assigned: true, teamId: 'billing' })).toEqual([first.id]);
      expect(await titles({ teamId: 'sales' })).toEqual([]);
      // Unassigned only if still the one assigned; a null team keeps the rest.
      expect(await store.conversations.update(first.id, { assigneeId: null, teamId: null }, now, { assigneeId: 'bob' })).toMatchObject({
        assigneeId: null,
        teamId: null,
        status: 'open',
      });
    });

    it('reports each member’s resume position and who shares a conversation', async () => {
      const a = await group(['bob']);
      const b = await store.conversations.createPrivate({ id: randomUUID(), userIds: ['ana', 'cid'], now });
      await store.messages.append([input({ conversationId: a.id }), input({ conversationId: a.id })], appendPlan);
      await store.messages.applyReceipts([{ conversationId: a.id, userId: 'bob', kind: 'read', seq: 1, now }], moveHorizons);
      const state = await store.conversations.syncState('ana');
      expect(state.sort((x, y) => x.conversationId.localeCompare(y.conversationId))).toEqual(
        [
          { conversationId: a.id, lastSeq: 2, lastEventSeq: 1 },
          { conversationId: b.conversation.id, lastSeq: 0, lastEventSeq: 0 },
        ].sort((x, y) => x.conversationId.localeCompare(y.conversationId)),
      );
      expect(await store.conversations.syncState('nobody')).toEqual([]);
      // A private conversation names the other member, for each of the two.
      const listed = async (userId: string) =>
        (await store.conversations.list(userId, { limit: 10, after: null })).find((c) => c.id === b.conversation.id)?.peerId;
      expect(await listed('ana')).toBe('cid');
      expect(await listed('cid')).toBe('ana');
      expect(await store.conversations.sharingConversation('bob', ['ana', 'cid', 'ghost'])).toEqual(new Set(['ana']));
      expect(await store.conversations.sharingConversation('ana', ['bob', 'cid'])).toEqual(new Set(['bob', 'cid']));
    });

    it('lists a member’s conversations by last activity with last message and unread count, paginated', async () => {
      const convs = [await group(['bob']), await group(['bob']), await group(['bob'])];
      const middle = convs[1]?.id as string;
      await store.messages.append(
        [
          input({ conversationId: middle, senderId: 'ana', text: 'from ana', now: now + 100 }),
          input({ conversationId: middle, senderId: 'bob', text: 'from bob', now: now + 101 }),
        ],
        appendPlan,
      );
      const page1 = await store.conversations.list('bob', { limit: 2, after: null });
      expect(page1[0]).toMatchObject({
        id: middle,
        unreadCount: 1,
        memberCount: 2,
        peerId: null,
        role: 'member',
        lastMessage: { text: 'from bob', seq: 2 },
      });
      const last = page1[1];
      if (!last) throw new Error('expected two conversations');
      const page2 = await store.conversations.list('bob', {
        limit: 2,
        after: { pinnedAt: null, lastActivityAt: Date.parse(last.lastActivityAt), id: last.id },
      });
      expect(page2).toHaveLength(1);
      const all = new Set([...page1, ...page2].map((c) => c.id));
      expect(all).toEqual(new Set(convs.map((c) => c.id)));
      expect(await store.conversations.list('cid', { limit: 10, after: null })).toEqual([]);
    });
  });
}
