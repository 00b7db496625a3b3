import { type GroupMentions, type MemberRole, summarizeThread } from '@chat4all/protocol';
import type { AppendCounters, AppendDecision, AppendFacts, AppendInput, AppendPlan } from '../store/types.js';

export type { AppendCounters, AppendDecision, AppendFacts, AppendPlan } from '../store/types.js';

/**
 * What becomes of one input of an append batch. Membership first: to someone who is not (or
 * no longer) a member, an id already stored there answers exactly as any other send does.
 * Then an id already stored is a retry when the same sender sent it to the same
 * conversation (answered with the original, same seq and time), and someone else's id
 * otherwise. Then a muted sender is refused, and any sender in a private conversation where
 * one of the two blocked the other: checked in the append's transaction, so a mute or block
 * committed before it always applies. Then a reply must point into the same conversation, everyone mentioned must be
 * a member, a mention of everyone must be allowed to the sender, and a thread reply's root must
 * be a message of the conversation that is neither a thread reply itself (threads do not nest)
 * nor deleted. A new message, thread replies included, gets the conversation's next seq.
 */
export function decideAppend(input: AppendInput, facts: AppendFacts): AppendDecision {
  if (facts.conversation === null || !facts.senderIsMember) return 'CONVERSATION_NOT_FOUND';
  const stored = facts.stored;
  if (stored)
    return stored.conversationId === input.conversationId && stored.senderId === input.senderId ? 'stored' : 'MESSAGE_ID_CONFLICT';
  if (input.senderId !== null) {
    const { mutedUntil, blocked } = facts.senderRestrictions;
    if (mutedUntil !== undefined) return 'MEMBER_MUTED';
    if (blocked) return 'BLOCKED';
  }
  if (!facts.replyTargetFound) return 'REPLY_TARGET_NOT_FOUND';
  if (input.mentions && input.mentions.length > 0 && !facts.mentionsAreMembers) return 'MENTION_NOT_MEMBER';
  if (input.mentionsAll && !mayMentionEveryone(facts.groupMentions, input.senderId === null ? null : facts.senderRole))
    return 'GROUP_MENTION_NOT_ALLOWED';
  if (input.threadId) {
    const root = facts.threadRoot;
    if (root === null) return 'THREAD_ROOT_NOT_FOUND';
    if (root.threadId !== null) return 'NESTED_THREAD';
    if (root.deleted) return 'THREAD_ROOT_DELETED';
  }
  return facts.conversation.lastSeq + 1;
}

/**
 * Whether a sender may mention everyone: the server API (no sender, or `role` null) always;
 * a member as the conversation's setting says.
 */
export function mayMentionEveryone(setting: GroupMentions, role: MemberRole | null): boolean {
  if (role === null) return true;
  if (setting === 'members') return true;
  return setting === 'admins' && role !== 'member';
}

/** A new message moves its conversation's last seq and, never backwards, its last activity. */
export function advanceCounters(counters: AppendCounters, input: AppendInput, seq: number): void {
  counters.lastSeq = seq;
  counters.lastActivityAt = Math.max(counters.lastActivityAt, input.now);
  counters.changed = true;
}

/** A system message (a member joined, a title changed) stays in the relay: contacts get deliveries of the others. */
export function dispatchesToContacts(input: AppendInput): boolean {
  return input.kind !== 'system';
}

/** The append rules as the store takes them. */
export const appendPlan: AppendPlan = {
  decide: decideAppend,
  advance: advanceCounters,
  dispatches: dispatchesToContacts,
  summarize: summarizeThread,
};
