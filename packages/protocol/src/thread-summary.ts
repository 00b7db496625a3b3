import type { Message, ThreadSummary } from './models.js';

/** At most this many participants are named in a thread's summary (the first to reply, in order). */
export const MAX_THREAD_PARTICIPANTS = 10;

/**
 * A root's thread summary after a new reply: one more reply (deleted replies keep counting),
 * the reply as the last, and its sender among the participants, first repliers first, capped.
 * The relay keeps it in the reply's append; clients apply live replies with it.
 */
export function summarizeThread(
  summary: ThreadSummary | null,
  reply: Pick<Message, 'id' | 'seq' | 'senderId' | 'createdAt'>,
): ThreadSummary {
  const participants = summary?.participants ?? [];
  const joins = reply.senderId !== null && !participants.includes(reply.senderId) && participants.length < MAX_THREAD_PARTICIPANTS;
  return {
    replyCount: (summary?.replyCount ?? 0) + 1,
    lastReplyId: reply.id,
    lastReplySeq: reply.seq,
    lastReplyAt: reply.createdAt,
    participants: joins ? [...participants, reply.senderId as string] : participants,
  };
}
