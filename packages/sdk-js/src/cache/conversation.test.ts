import type { ChannelDelivery, Conversation, Member, Message, Pin } from '@chat4all/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ConversationCache, type ConversationState, deliveriesOf, emptyConversation, reduceConversation } from './conversation.js';
import { message as textMessage } from './fixtures.test-support.js';

const message = (seq: number, text = `m${seq}`): Message => ({
  ...textMessage('c1', seq, 'u1', '2026-12-01T10:00:00.000Z'),
  id: `m-${seq}`,
  text,
});
const member = (userId: string, deliveredSeq = 0, readSeq = 0): Member => ({
  userId,
  role: 'member',
  joinedAt: '2026-12-01T10:00:00.000Z',
  deliveredSeq,
  readSeq,
});
const conversation = (lastSeq: number, lastEventSeq: number): Conversation => ({
  id: 'c1',
  type: 'group',
  title: null,
  avatarUrl: null,
  metadata: {},
  createdAt: '2026-12-01T10:00:00.000Z',
  lastActivityAt: '2026-12-01T10:00:00.000Z',
  lastSeq,
  lastEventSeq,
  groupMentions: 'admins',
  status: 'open',
  assigneeId: null,
  teamId: null,
});
const delivery = (messageId: string, contactId: string, updatedAt: string, status: ChannelDelivery['status'] = 'sent') =>
  ({ messageId, contactId, updatedAt, status, history: [] }) as unknown as ChannelDelivery;

const withMessages = (...seqs: number[]): ConversationState =>
  reduceConversation(emptyConversation('c1'), { type: 'messages', messages: seqs.map((seq) => message(seq)) });

describe('reduceConversation', () => {
  it('conversation.created adopts the snapshot: cursor, members, a new version', () => {
    const state = reduceConversation(emptyConversation('c1'), {
      type: 'conversation.created',
      conversation: conversation(7, 3),
      members: [member('u1'), member('u2')],
    });
    expect(state).toMatchObject({ seq: 7, eventSeq: 3, version: 1, conversation: { id: 'c1' } });
    expect([...state.members.keys()]).toEqual(['u1', 'u2']);
  });

  it('messages are held by seq, in order, and the cursor stops at the first hole', () => {
    const state = withMessages(3, 1, 2, 5);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3, 5]);
    expect(state.seq).toBe(3);
    const filled = reduceConversation(state, { type: 'messages', messages: [message(4), message(2, 'again')] });
    expect(filled.seq).toBe(5);
    expect(filled.messages.map((m) => m.text)).toEqual(['m1', 'again', 'm3', 'm4', 'm5']);
    expect(reduceConversation(filled, { type: 'messages', messages: [] })).toBe(filled);
  });

  it('message.created appends after the newest and moves the cursor', () => {
    const state = reduceConversation(withMessages(1), { type: 'message.created', message: message(2) });
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(state.seq).toBe(2);
  });

  it.each(['message.updated', 'message.deleted'] as const)('%s replaces a held message and skips one not held', (type) => {
    const state = withMessages(1, 2);
    const changed = reduceConversation(state, { type, message: message(2, 'changed'), eventSeq: 4 });
    expect(changed.messages[1]?.text).toBe('changed');
    expect(changed.messages[0]).toBe(state.messages[0]);
    expect(changed.eventSeq).toBe(4);
    const skipped = reduceConversation(state, { type, message: message(9), eventSeq: 5 });
    expect(skipped.messages).toBe(state.messages);
    expect(skipped.eventSeq).toBe(5);
  });

  it('reaction.updated sets a held message reactions', () => {
    const reactions = [{ key: '👍', count: 1, userIds: ['u2'] }];
    const state = reduceConversation(withMessages(1, 2), {
      type: 'reaction.updated',
      conversationId: 'c1',
      messageId: 'm-1',
      userId: 'u2',
      reactions,
      eventSeq: 2,
    });
    expect(state.messages[0]?.reactions).toEqual(reactions);
    expect(state.eventSeq).toBe(2);
  });

  it('receipt moves a member horizon and the version, and never the event cursor back', () => {
    const adopted = reduceConversation(emptyConversation('c1'), {
      type: 'conversation.created',
      conversation: conversation(2, 9),
      members: [member('u2')],
    });
    const state = reduceConversation(adopted, {
      type: 'receipt',
      conversationId: 'c1',
      userId: 'u2',
      deliveredSeq: 2,
      readSeq: 1,
      eventSeq: 4,
    });
    expect(state.members.get('u2')).toMatchObject({ deliveredSeq: 2, readSeq: 1 });
    expect(state.version).toBe(adopted.version + 1);
    expect(state.eventSeq).toBe(9);
  });

  it('member.added, member.updated and member.removed change the members', () => {
    let state = reduceConversation(emptyConversation('c1'), {
      type: 'member.added',
      conversationId: 'c1',
      member: member('u3'),
      eventSeq: 1,
    });
    state = reduceConversation(state, {
      type: 'member.updated',
      conversationId: 'c1',
      member: { ...member('u3'), role: 'admin' },
      eventSeq: 2,
    });
    expect(state.members.get('u3')?.role).toBe('admin');
    state = reduceConversation(state, { type: 'member.removed', conversationId: 'c1', userId: 'u3' });
    expect(state.members.has('u3')).toBe(false);
    expect(state).toMatchObject({ eventSeq: 2, version: 3 });
  });

  it('delivery.updated and deliveries keep the newer state of each contact', () => {
    const first = delivery('m-1', 'k1', '2026-12-01T10:00:01.000Z');
    let state = reduceConversation(emptyConversation('c1'), {
      type: 'delivery.updated',
      conversationId: 'c1',
      delivery: first,
      eventSeq: 3,
    });
    expect(deliveriesOf(state, 'm-1')).toEqual([first]);
    expect(state.eventSeq).toBe(3);
    const older = reduceConversation(state, {
      type: 'deliveries',
      deliveries: [delivery('m-1', 'k1', '2026-12-01T10:00:00.000Z', 'failed')],
    });
    expect(older).toBe(state);
    const read = delivery('m-1', 'k1', '2026-12-01T10:00:02.000Z', 'read');
    state = reduceConversation(state, { type: 'deliveries', deliveries: [read, delivery('m-1', 'k2', '2026-12-01T10:00:02.000Z')] });
    expect(deliveriesOf(state, 'm-1').map((d) => [d.contactId, d.status])).toEqual([
      ['k1', 'read'],
      ['k2', 'sent'],
    ]);
    expect(deliveriesOf(state, 'other')).toEqual([]);
  });

  it('conversation.updated replaces the conversation', () => {
    const state = reduceConversation(emptyConversation('c1'), {
      type: 'conversation.updated',
      conversation: { ...conversation(0, 0), title: 'T' },
      eventSeq: 6,
    });
    expect(state).toMatchObject({ conversation: { title: 'T' }, eventSeq: 6, version: 1 });
  });

  it('recheck only moves the version', () => {
    const state = withMessages(1);
    const next = reduceConversation(state, { type: 'recheck' });
    expect(next).toEqual({ ...state, version: state.version + 1 });
  });
});

describe('ConversationCache', () => {
  it('tells its listeners only about changes', () => {
    const cache = new ConversationCache('c1');
    const listener = vi.fn();
    cache.state.subscribe(listener);
    cache.dispatch({ type: 'messages', messages: [] });
    expect(listener).not.toHaveBeenCalled();
    cache.dispatch({ type: 'message.created', message: message(1) });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(cache.state.getSnapshot().seq).toBe(1);
  });
});

describe('thread replies', () => {
  const reply = (seq: number, senderId = 'u2'): Message => ({ ...message(seq), senderId, threadId: 'm-1' });
  const rootOf = (state: ConversationState) => state.messages.find((m) => m.id === 'm-1');

  it('move a held root’s summary once each, live or replayed, and never back to an older answer', () => {
    let state = reduceConversation(emptyConversation('c1'), { type: 'messages', messages: [message(1)] });
    state = reduceConversation(state, { type: 'message.created', message: reply(2) });
    state = reduceConversation(state, { type: 'message.created', message: reply(3, 'u3') });
    // The same reply again (a resume replaying what was live) counts once.
    state = reduceConversation(state, { type: 'messages', messages: [reply(3, 'u3')] });
    expect(rootOf(state)?.thread).toEqual({
      replyCount: 2,
      lastReplyId: 'm-3',
      lastReplySeq: 3,
      lastReplyAt: '2026-12-01T10:00:00.000Z',
      participants: ['u2', 'u3'],
    });
    // A root as the relay answered it before the last reply keeps the newer summary held.
    const older = { ...message(1), thread: { replyCount: 1, lastReplyId: 'm-2', lastReplySeq: 2, lastReplyAt: 'x', participants: ['u2'] } };
    state = reduceConversation(state, { type: 'messages', messages: [older] });
    expect(rootOf(state)?.thread?.replyCount).toBe(2);
    // A root read after a reply already counts it.
    const counted = {
      ...message(1),
      thread: { replyCount: 3, lastReplyId: 'm-4', lastReplySeq: 4, lastReplyAt: 'x', participants: ['u2'] },
    };
    state = reduceConversation(state, { type: 'messages', messages: [counted, reply(4)] });
    expect(rootOf(state)?.thread).toMatchObject({ replyCount: 3, lastReplySeq: 4 });
    expect(state.seq).toBe(4);
  });
});

describe('a conversation’s pins', () => {
  const pin = (seq: number, pinnedAt = '2026-12-01T11:00:00.000Z'): Pin => ({
    conversationId: 'c1',
    messageId: `m-${seq}`,
    pinnedBy: 'u1',
    pinnedAt,
    expiresAt: null,
    message: message(seq),
  });
  const pinned = (seq: number, eventSeq: number, value: Pin | null) =>
    ({ type: 'pin.updated', conversationId: 'c1', messageId: `m-${seq}`, userId: 'u1', pin: value, eventSeq }) as const;

  it('applies pin changes that arrive while the first load is on its way on top of it, whichever the load saw', () => {
    // Before any load is asked for, changes are not kept: the load will bring the pins whole.
    let state = reduceConversation(emptyConversation('c1'), pinned(3, 1, pin(3)));
    expect(state.pinsPending).toBeUndefined();
    state = reduceConversation(state, { type: 'pins.loading' });
    state = reduceConversation(state, pinned(2, 1, pin(2)));
    state = reduceConversation(state, pinned(1, 2, null));
    expect(state.pins).toBeUndefined();
    // Answered before both changes: m-1 was pinned, m-2 not yet.
    const before = reduceConversation(state, { type: 'pins', pins: [pin(1)] });
    expect(before.pins?.map((p) => p.messageId)).toEqual(['m-2']);
    // Answered after both: the same result.
    const after = reduceConversation(state, { type: 'pins', pins: [pin(2)] });
    expect(after.pins).toEqual(before.pins);
    expect(after.pinsPending).toBeUndefined();
  });

  it('keeps the same list when a change it already holds arrives again', () => {
    let state = reduceConversation(emptyConversation('c1'), { type: 'pins', pins: [pin(2), pin(1)] });
    const held = state.pins;
    state = reduceConversation(state, pinned(2, 3, pin(2)));
    state = reduceConversation(state, { type: 'pins', pins: [pin(2), pin(1)] });
    expect(state.pins).toBe(held);
    // Pinned again later: a new list, newest first.
    state = reduceConversation(state, pinned(1, 4, pin(1, '2026-12-01T12:00:00.000Z')));
    expect(state.pins).not.toBe(held);
    expect(state.pins?.map((p) => p.messageId)).toEqual(['m-1', 'm-2']);
  });
});
