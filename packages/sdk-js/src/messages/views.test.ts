import type { Member, Message } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import { ConversationCache } from '../cache/conversation.js';
import { message as textMessage } from '../cache/fixtures.test-support.js';
import type { OutboxEntry } from '../outbox/storage.js';
import { Store } from '../store.js';
import { inConversation, MessageList } from './views.js';

const message = (seq: number, senderId = 'me'): Message => ({
  ...textMessage('c1', seq, senderId, '2026-12-01T10:00:00.000Z'),
  id: `m-${seq}`,
});
const member = (userId: string, deliveredSeq = 0, readSeq = 0): Member => ({
  userId,
  role: 'member',
  joinedAt: '2026-12-01T10:00:00.000Z',
  deliveredSeq,
  readSeq,
});
const entry = (id: string, status: OutboxEntry['status'] = 'pending'): OutboxEntry => ({
  id,
  conversationId: 'c1',
  text: id,
  createdAt: 0,
  order: 0,
  status,
});

function setup(me: string | null = 'me') {
  const cache = new ConversationCache('c1');
  cache.dispatch({
    type: 'conversation.created',
    conversation: {
      id: 'c1',
      type: 'group',
      title: null,
      avatarUrl: null,
      metadata: {},
      createdAt: '2026-12-01T10:00:00.000Z',
      lastActivityAt: '2026-12-01T10:00:00.000Z',
      lastSeq: 0,
      lastEventSeq: 0,
      groupMentions: 'admins' as const,
      status: 'open' as const,
      assigneeId: null,
      teamId: null,
    },
    members: [member('me'), member('u2'), member('u3')],
  });
  const outbox = new Store<readonly OutboxEntry[]>([]);
  const user = { id: me };
  const list = new MessageList(cache, outbox, () => user.id, inConversation);
  return { cache, outbox, list, user, items: () => list.store.getSnapshot() };
}

describe('MessageList', () => {
  it('shows confirmed messages by seq with their status, then the outbox', () => {
    const { cache, outbox, items } = setup();
    cache.dispatch({ type: 'messages', messages: [message(2), message(1)] });
    outbox.set([entry('p1'), entry('p2', 'failed')]);
    expect(items().map((m) => [m.id, m.status])).toEqual([
      ['m-1', 'sent'],
      ['m-2', 'sent'],
      ['p1', 'pending'],
      ['p2', 'failed'],
    ]);
  });

  it('a new message costs one new item', () => {
    const { cache, items } = setup();
    cache.dispatch({ type: 'messages', messages: [message(1), message(2)] });
    const before = items();
    cache.dispatch({ type: 'message.created', message: message(3) });
    expect(items()[0]).toBe(before[0]);
    expect(items()[1]).toBe(before[1]);
    expect(items()).toHaveLength(3);
  });

  it('a receipt renews only the items whose counts it moved', () => {
    const { cache, items } = setup();
    cache.dispatch({ type: 'messages', messages: [message(1), message(2)] });
    const before = items();
    cache.dispatch({ type: 'receipt', conversationId: 'c1', userId: 'u2', deliveredSeq: 2, readSeq: 1, eventSeq: 1 });
    cache.dispatch({ type: 'receipt', conversationId: 'c1', userId: 'u3', deliveredSeq: 1, readSeq: 0, eventSeq: 2 });
    const [first, second] = items();
    expect(first).not.toBe(before[0]);
    expect(first).toMatchObject({ status: 'delivered', deliveredCount: 2, readCount: 1, recipients: 2 });
    expect(second).not.toBe(before[1]);
    expect(second).toMatchObject({ status: 'sent', deliveredCount: 1 });
    const held = items();
    cache.dispatch({ type: 'receipt', conversationId: 'c1', userId: 'u3', deliveredSeq: 1, readSeq: 1, eventSeq: 3 });
    expect(items()[0]).toMatchObject({ status: 'read' });
    expect(items()[1]).toBe(held[1]);
  });

  it('a change that moves no item keeps the list', () => {
    const { cache, items } = setup();
    cache.dispatch({ type: 'messages', messages: [message(1)] });
    const before = items();
    cache.dispatch({ type: 'message.updated', message: message(9), eventSeq: 4 });
    cache.dispatch({ type: 'recheck' });
    expect(items()).toBe(before);
  });

  it('pending items are reused until their entry changes, and rebuilt once the user is known', () => {
    const { outbox, items, user, cache } = setup(null);
    const pending = entry('p1');
    outbox.set([pending]);
    const first = items()[0];
    expect(first?.senderId).toBeNull();
    outbox.set([pending, entry('p2')]);
    expect(items()[0]).toBe(first);
    user.id = 'me';
    cache.dispatch({ type: 'recheck' });
    expect(items()[0]?.senderId).toBe('me');
  });

  it('marks the reactions the user made', () => {
    const { cache, items } = setup();
    cache.dispatch({ type: 'messages', messages: [{ ...message(1, 'u2'), reactions: [{ key: '👍', count: 2, userIds: ['me', 'u3'] }] }] });
    expect(items()[0]?.reactions).toEqual([{ key: '👍', count: 2, userIds: ['me', 'u3'], mine: true }]);
  });
});
