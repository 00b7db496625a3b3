import { MAX_THREAD_PARTICIPANTS, type Message, summarizeThread } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import type { AppendFacts, AppendInput } from '../store/types.js';
import { advanceCounters, appendPlan, decideAppend, dispatchesToContacts, mayMentionEveryone } from './append-plan.js';

const input = (over: Partial<AppendInput> = {}): AppendInput => ({
  id: 'm1',
  conversationId: 'c1',
  senderId: 'ana',
  kind: 'text',
  text: 'hello',
  metadata: {},
  attachment: null,
  content: null,
  replyTo: null,
  now: 1_000,
  ...over,
});
const facts = (over: Partial<AppendFacts> = {}): AppendFacts => ({
  conversation: { lastSeq: 7, lastActivityAt: 500, changed: false },
  senderIsMember: true,
  replyTargetFound: true,
  stored: null,
  mentionsAreMembers: true,
  groupMentions: 'admins',
  senderRole: 'member',
  threadRoot: null,
  senderRestrictions: { mutedUntil: undefined, blocked: false },
  ...over,
});

describe('decideAppend', () => {
  it('gives a new message the conversation’s next seq, leaving the counters to advance', () => {
    const given = facts();
    expect(decideAppend(input(), given)).toBe(8);
    expect(given.conversation).toEqual({ lastSeq: 7, lastActivityAt: 500, changed: false });
  });

  it('decides a new message the same whether the store read its id (none) or will learn it from the insert', () => {
    expect(decideAppend(input(), facts({ stored: undefined }))).toBe(8);
  });

  it('refuses a conversation that does not exist', () => {
    expect(decideAppend(input(), facts({ conversation: null }))).toBe('CONVERSATION_NOT_FOUND');
  });

  it('refuses a sender who is not a member', () => {
    expect(decideAppend(input(), facts({ senderIsMember: false }))).toBe('CONVERSATION_NOT_FOUND');
  });

  it('answers a non-member who sends an id stored there as any other non-member send', () => {
    const stored = { conversationId: 'c1', senderId: 'ana' };
    expect(decideAppend(input(), facts({ senderIsMember: false, stored }))).toBe('CONVERSATION_NOT_FOUND');
    expect(decideAppend(input(), facts({ conversation: null, stored }))).toBe('CONVERSATION_NOT_FOUND');
  });

  it('answers a retry (same id, sender and conversation) with the stored message', () => {
    expect(decideAppend(input(), facts({ stored: { conversationId: 'c1', senderId: 'ana' } }))).toBe('stored');
  });

  it('answers a retry of a system message (no sender) with the stored message', () => {
    expect(decideAppend(input({ senderId: null, kind: 'system' }), facts({ stored: { conversationId: 'c1', senderId: null } }))).toBe(
      'stored',
    );
  });

  it('refuses an id stored by another sender', () => {
    expect(decideAppend(input(), facts({ stored: { conversationId: 'c1', senderId: 'bob' } }))).toBe('MESSAGE_ID_CONFLICT');
  });

  it('refuses an id stored in another conversation', () => {
    expect(decideAppend(input(), facts({ stored: { conversationId: 'c2', senderId: 'ana' } }))).toBe('MESSAGE_ID_CONFLICT');
  });

  it('answers a stored id before looking at its reply target', () => {
    const stored = { conversationId: 'c1', senderId: 'ana' };
    expect(decideAppend(input({ replyTo: 'gone' }), facts({ stored, replyTargetFound: false }))).toBe('stored');
  });

  it('refuses a reply to a message that is not in the conversation', () => {
    expect(decideAppend(input({ replyTo: 'elsewhere' }), facts({ replyTargetFound: false }))).toBe('REPLY_TARGET_NOT_FOUND');
  });

  it('refuses a muted sender, whether the mute ends or not, and a sender in a private conversation with a block', () => {
    expect(decideAppend(input(), facts({ senderRestrictions: { mutedUntil: 5_000, blocked: false } }))).toBe('MEMBER_MUTED');
    expect(decideAppend(input(), facts({ senderRestrictions: { mutedUntil: null, blocked: false } }))).toBe('MEMBER_MUTED');
    expect(decideAppend(input(), facts({ senderRestrictions: { mutedUntil: undefined, blocked: true } }))).toBe('BLOCKED');
  });

  it('answers a retry of a message stored before its sender was muted with the stored message', () => {
    const stored = { conversationId: 'c1', senderId: 'ana' };
    expect(decideAppend(input(), facts({ stored, senderRestrictions: { mutedUntil: null, blocked: true } }))).toBe('stored');
  });

  it('reads no restrictions for a message with no sender', () => {
    const lazy = {
      ...facts(),
      get senderRestrictions(): AppendFacts['senderRestrictions'] {
        throw new Error('read');
      },
    };
    expect(decideAppend(input({ senderId: null, kind: 'system' }), lazy)).toBe(8);
  });

  it('reads the reply target only once membership and the stored id have passed', () => {
    let asked = 0;
    const lazy = {
      ...facts({ senderIsMember: false }),
      get replyTargetFound() {
        asked += 1;
        return true;
      },
    };
    expect(decideAppend(input({ replyTo: 'm0' }), lazy)).toBe('CONVERSATION_NOT_FOUND');
    expect(asked).toBe(0);
  });
});

describe('advanceCounters', () => {
  it('moves the last seq and marks the counters changed', () => {
    const counters = { lastSeq: 7, lastActivityAt: 500, changed: false };
    advanceCounters(counters, input({ now: 1_000 }), 8);
    expect(counters).toEqual({ lastSeq: 8, lastActivityAt: 1_000, changed: true });
  });

  it('never moves the last activity backwards (a message stamped before it)', () => {
    const counters = { lastSeq: 7, lastActivityAt: 2_000, changed: false };
    advanceCounters(counters, input({ now: 1_000 }), 8);
    expect(counters).toEqual({ lastSeq: 8, lastActivityAt: 2_000, changed: true });
  });
});

describe('dispatchesToContacts', () => {
  it('sends a member’s message on to the contacts’ channels', () => {
    expect(dispatchesToContacts(input())).toBe(true);
    expect(dispatchesToContacts(input({ kind: 'file' }))).toBe(true);
  });

  it('keeps a system message in the relay', () => {
    expect(dispatchesToContacts(input({ kind: 'system', senderId: null }))).toBe(false);
  });
});

describe('appendPlan', () => {
  it('is these rules, as the store takes them', () => {
    expect(appendPlan).toEqual({
      decide: decideAppend,
      advance: advanceCounters,
      dispatches: dispatchesToContacts,
      summarize: summarizeThread,
    });
  });
});

describe('threads', () => {
  const root = { threadId: null, deleted: false };
  it('takes a reply in a thread whose root is a live message of the conversation, not itself a reply', () => {
    expect(decideAppend(input({ threadId: 'r' }), facts({ threadRoot: root }))).toBe(8);
    expect(decideAppend(input({ threadId: 'r' }), facts({ threadRoot: null }))).toBe('THREAD_ROOT_NOT_FOUND');
    expect(decideAppend(input({ threadId: 'r' }), facts({ threadRoot: { threadId: 'x', deleted: false } }))).toBe('NESTED_THREAD');
    expect(decideAppend(input({ threadId: 'r' }), facts({ threadRoot: { threadId: null, deleted: true } }))).toBe('THREAD_ROOT_DELETED');
    expect(decideAppend(input(), facts({ threadRoot: null }))).toBe(8);
  });

  it('answers a retry with the original before looking at the root', () => {
    const stored = { conversationId: 'c1', senderId: 'ana' };
    expect(decideAppend(input({ threadId: 'r' }), facts({ stored, threadRoot: { threadId: null, deleted: true } }))).toBe('stored');
  });

  const reply = (id: string, seq: number, senderId: string | null) =>
    ({ id, seq, senderId, createdAt: new Date(seq * 1000).toISOString() }) as Message;

  it('counts each reply, names the last, and lists repliers once each, first first, up to the cap', () => {
    let summary = summarizeThread(null, reply('a', 3, 'bob'));
    expect(summary).toEqual({
      replyCount: 1,
      lastReplyId: 'a',
      lastReplySeq: 3,
      lastReplyAt: reply('a', 3, 'bob').createdAt,
      participants: ['bob'],
    });
    summary = summarizeThread(summary, reply('b', 5, 'bob'));
    summary = summarizeThread(summary, reply('c', 6, null));
    expect(summary).toMatchObject({ replyCount: 3, lastReplyId: 'c', lastReplySeq: 6, participants: ['bob'] });
    for (let i = 0; i < MAX_THREAD_PARTICIPANTS + 5; i++) summary = summarizeThread(summary, reply(`u${i}`, 10 + i, `user${i}`));
    expect(summary.participants).toHaveLength(MAX_THREAD_PARTICIPANTS);
    expect(summary.participants.slice(0, 2)).toEqual(['bob', 'user0']);
  });
});

describe('mentions', () => {
  it('refuses a mention of someone who is not a member, after the retry and reply checks', () => {
    expect(decideAppend(input({ mentions: ['bob'] }), facts({ mentionsAreMembers: false }))).toBe('MENTION_NOT_MEMBER');
    expect(decideAppend(input({ mentions: ['bob'] }), facts({ mentionsAreMembers: true }))).toBe(8);
    expect(decideAppend(input({ mentions: ['bob'] }), facts({ mentionsAreMembers: false, replyTargetFound: false }))).toBe(
      'REPLY_TARGET_NOT_FOUND',
    );
    expect(
      decideAppend(input({ mentions: ['bob'] }), facts({ mentionsAreMembers: false, stored: { conversationId: 'c1', senderId: 'ana' } })),
    ).toBe('stored');
  });

  it('lets a mention of everyone through as the conversation’s setting says', () => {
    expect(decideAppend(input({ mentionsAll: true }), facts())).toBe('GROUP_MENTION_NOT_ALLOWED');
    expect(decideAppend(input({ mentionsAll: true }), facts({ senderRole: 'admin' }))).toBe(8);
    expect(decideAppend(input({ mentionsAll: true }), facts({ groupMentions: 'members' }))).toBe(8);
    expect(decideAppend(input({ mentionsAll: true, senderId: null }), facts({ groupMentions: 'off', senderRole: null }))).toBe(8);
    expect(decideAppend(input({ mentionsAll: false }), facts({ groupMentions: 'off' }))).toBe(8);
  });

  it('reads the setting against each role', () => {
    expect(mayMentionEveryone('off', 'owner')).toBe(false);
    expect(mayMentionEveryone('admins', 'owner')).toBe(true);
    expect(mayMentionEveryone('admins', 'member')).toBe(false);
    expect(mayMentionEveryone('members', 'member')).toBe(true);
    expect(mayMentionEveryone('off', null)).toBe(true);
  });
});
