import { type ConversationSummary, MUTED_FOREVER } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import { MUTED_FOREVER as CLIENT_FOREVER } from '../inbox.js';
import type { Rest } from '../rest.js';
import { Store } from '../store.js';
import { message, summary } from './fixtures.test-support.js';
import { applyToList, ConversationList } from './list.js';

describe('applyToList', () => {
  const list = [summary('a', 3, '2026-12-01T12:00:00.000Z'), summary('b', 7, '2026-12-01T11:00:00.000Z', 2)];

  it('moves a conversation with a new message to the top, one more unread when someone else wrote it', () => {
    const next = applyToList(list, { type: 'message.created', message: message('b', 8, 'bob', '2026-12-01T13:00:00.000Z') }, 'me');
    expect(next?.map((c) => [c.id, c.lastSeq, c.unreadCount, c.lastMessage?.text])).toEqual([
      ['b', 8, 3, 'm8'],
      ['a', 3, 0, undefined],
    ]);
    const mine = applyToList(list, { type: 'message.created', message: message('a', 4, 'me', '2026-12-01T13:00:00.000Z') }, 'me');
    expect(mine?.[0]).toMatchObject({ id: 'a', unreadCount: 0, lastSeq: 4 });
  });

  it('counts one more unread mention for a message that mentions the user, by id or as everyone', () => {
    const at = '2026-12-01T13:00:00.000Z';
    const byId = applyToList(list, { type: 'message.created', message: { ...message('b', 8, 'bob', at), mentions: ['me'] } }, 'me');
    expect(byId?.[0]).toMatchObject({ id: 'b', unreadCount: 3, unreadMentionCount: 1 });
    const all = applyToList(byId ?? [], { type: 'message.created', message: { ...message('b', 9, 'bob', at), mentionsAll: true } }, 'me');
    expect(all?.[0]).toMatchObject({ unreadMentionCount: 2 });
    const other = applyToList(list, { type: 'message.created', message: { ...message('b', 8, 'bob', at), mentions: ['cid'] } }, 'me');
    expect(other?.[0]).toMatchObject({ unreadMentionCount: 0 });
    const own = applyToList(list, { type: 'message.created', message: { ...message('a', 4, 'me', at), mentionsAll: true } }, 'me');
    expect(own?.[0]).toMatchObject({ unreadMentionCount: 0 });
  });

  it('leaves the list as it is for a message it already counted, and for frames that do not touch it', () => {
    expect(applyToList(list, { type: 'message.created', message: message('b', 7, 'bob', '2026-12-01T11:00:00.000Z') }, 'me')).toBe(list);
    expect(applyToList(list, { type: 'typing', conversationId: 'a', userId: 'bob', active: true }, 'me')).toBe(list);
    const receipt = { type: 'receipt', conversationId: 'a', userId: 'bob', deliveredSeq: 3, readSeq: 3, eventSeq: 1 } as const;
    expect(applyToList(list, receipt, 'me')).toBe(list);
  });

  it('follows an edit or a reaction of the last message', () => {
    const last = message('a', 3, 'bob', '2026-12-01T12:00:00.000Z');
    const held = [{ ...list[0], lastMessage: last } as ConversationSummary, list[1] as ConversationSummary];
    const edited = applyToList(held, { type: 'message.updated', message: { ...last, text: 'edited' }, eventSeq: 2 }, 'me');
    expect(edited?.[0]?.lastMessage?.text).toBe('edited');
    const reaction = { key: '👍', count: 1, userIds: ['me'] };
    const reacted = applyToList(
      held,
      { type: 'reaction.updated', conversationId: 'a', messageId: last.id, userId: 'me', reactions: [reaction], eventSeq: 3 },
      'me',
    );
    expect(reacted?.[0]?.lastMessage?.reactions).toEqual([reaction]);
  });

  it('asks the relay for what only it knows: an unknown conversation, a delete, the user’s own receipt, membership', () => {
    expect(applyToList(list, { type: 'message.created', message: message('zz', 1, 'bob', '2026-12-01T13:00:00.000Z') }, 'me')).toBeNull();
    const deleted = { type: 'message.deleted', message: message('a', 3, 'bob', '2026-12-01T12:00:00.000Z'), eventSeq: 2 } as const;
    expect(applyToList(list, deleted, 'me')).toBeNull();
    const own = { type: 'receipt', conversationId: 'a', userId: 'me', deliveredSeq: 3, readSeq: 3, eventSeq: 1 } as const;
    expect(applyToList(list, own, 'me')).toBeNull();
    expect(applyToList(list, { type: 'member.removed', conversationId: 'a', userId: 'me' }, 'me')).toBeNull();
  });

  it('keeps pinned conversations on top, most recently pinned first, and leaves the user’s own settings to the relay', () => {
    const settings = (pinnedAt: string | null) => ({ mutedUntil: null, archived: false, pinnedAt, markedUnread: false });
    const pinned = (c: ConversationSummary, at: string) => ({ ...c, settings: settings(at) });
    const held = [
      pinned(summary('p2', 1, '2026-11-01T00:00:00.000Z'), '2026-12-02T00:00:00.000Z'),
      pinned(summary('p1', 1, '2026-11-02T00:00:00.000Z'), '2026-12-01T00:00:00.000Z'),
      ...list,
    ];
    const next = applyToList(held, { type: 'message.created', message: message('b', 8, 'bob', '2026-12-03T00:00:00.000Z') }, 'me');
    expect(next?.map((c) => c.id)).toEqual(['p2', 'p1', 'b', 'a']);
    const older = applyToList(held, { type: 'message.created', message: message('p1', 2, 'bob', '2026-12-03T00:00:00.000Z') }, 'me');
    expect(older?.map((c) => c.id)).toEqual(['p2', 'p1', 'a', 'b']);
    const change = { type: 'conversation.settings', conversationId: 'a', settings: settings(null), eventSeq: 1 } as const;
    expect(applyToList(list, change, 'me')).toBeNull();
  });
});

describe('applyToList and changes to a conversation', () => {
  it('takes a new status, assignee or title as it comes, keeping the counts, settings and a newer last message', () => {
    const one = summary('a', 5, '2026-12-01T12:00:00.000Z', 2);
    const held = [one];
    const { role, memberCount, peerId, lastMessage, unreadCount, unreadMentionCount, settings, ...conversation } = one;
    const frame = {
      type: 'conversation.updated',
      eventSeq: 1,
      // Read before message 5 committed: its seq and activity are behind the list's.
      conversation: {
        ...conversation,
        lastSeq: 4,
        lastEventSeq: 1,
        lastActivityAt: '2026-12-01T11:00:00.000Z',
        status: 'resolved',
        assigneeId: 'ana',
        title: 'Rui',
      },
    } as const;
    expect(applyToList(held, frame, 'me')).toEqual([
      {
        ...one,
        status: 'resolved',
        assigneeId: 'ana',
        title: 'Rui',
        lastEventSeq: 1,
        lastSeq: 5,
        lastActivityAt: '2026-12-01T12:00:00.000Z',
      },
    ]);
    // An older change than the list holds (a page asked for meanwhile brought a later one) changes nothing.
    const later = { ...one, lastEventSeq: 3, status: 'pending' as const };
    const stale = { ...frame, eventSeq: 2, conversation: { ...frame.conversation, lastEventSeq: 2 } };
    expect(applyToList([later], stale, 'me')).toEqual([later]);
    // One the list does not hold: the relay is asked.
    expect(applyToList(held, { ...frame, conversation: { ...frame.conversation, id: 'z' } }, 'me')).toBeNull();
  });
});

describe('ConversationList totals', () => {
  it('counts a new message from someone else, leaving muted and archived conversations out', () => {
    const rest = { request: () => new Promise(() => undefined) } as unknown as Rest;
    const inbox = new ConversationList(rest, new Store('idle' as const), () => undefined);
    const base = { mutedUntil: null, archived: false, pinnedAt: null, markedUnread: false };
    inbox.list.set([
      summary('read', 3, '2026-12-01T12:00:00.000Z'),
      { ...summary('marked', 3, '2026-12-01T11:00:00.000Z'), settings: { ...base, markedUnread: true } },
      { ...summary('muted', 3, '2026-12-01T10:00:00.000Z'), settings: { ...base, mutedUntil: MUTED_FOREVER } },
      { ...summary('archived', 3, '2026-12-01T09:00:00.000Z'), settings: { ...base, archived: true } },
    ]);
    inbox.totals.set({ messages: 0, conversations: 1 });
    const at = '2026-12-02T00:00:00.000Z';
    inbox.follow({ type: 'message.created', message: message('read', 4, 'bob', at) }, 'me');
    expect([inbox.totals.getSnapshot(), inbox.unreadTotal.getSnapshot()]).toEqual([{ messages: 1, conversations: 2 }, 1]);
    inbox.follow({ type: 'message.created', message: message('read', 5, 'bob', at) }, 'me');
    inbox.follow({ type: 'message.created', message: message('marked', 4, 'bob', at) }, 'me');
    expect(inbox.totals.getSnapshot()).toEqual({ messages: 3, conversations: 2 });
    for (const id of ['muted', 'archived']) inbox.follow({ type: 'message.created', message: message(id, 4, 'bob', at) }, 'me');
    inbox.follow({ type: 'message.created', message: message('read', 6, 'me', at) }, 'me');
    inbox.follow({ type: 'message.created', message: message('read', 5, 'bob', at) }, 'me');
    expect(inbox.totals.getSnapshot()).toEqual({ messages: 3, conversations: 2 });
    inbox.close();
  });
});

describe('MUTED_FOREVER', () => {
  it('is the protocol’s', () => {
    expect(CLIENT_FOREVER).toBe(MUTED_FOREVER);
  });
});
