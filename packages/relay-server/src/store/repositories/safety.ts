import type { ReportReason, ReportStatus } from '@chat4all/protocol';

/** A block as stored: who blocked whom, since when (epoch ms). */
export interface StoredBlock {
  blockedId: string;
  createdAt: number;
}

/** A mute or a ban of one user in one conversation; `until` (epoch ms) ends a mute, null never. */
export interface StoredRestriction {
  conversationId: string;
  userId: string;
  kind: 'mute' | 'ban';
  until: number | null;
  createdBy: string | null;
  createdAt: number;
}

export interface StoredReport {
  id: string;
  conversationId: string;
  messageId: string;
  reporterId: string;
  reason: ReportReason;
  text: string | null;
  status: ReportStatus;
  createdAt: number;
  closedAt: number | null;
  note: string | null;
}

/** What the send path needs to know about a sender, read in one query. */
export interface SendRestrictions {
  /** The end of the sender's mute in the conversation (null: until lifted), or undefined when not muted at `now`. */
  mutedUntil: number | null | undefined;
  /** The conversation is private and one of its two members blocked the other. */
  blocked: boolean;
}

/**
 * Blocks between users, mutes and bans of members, and reports of messages: the facts of
 * safety. Which of them a send or a read respects is the safety feature's rule.
 */
export interface SafetyRepository {
  /** Records the block; false when it was there already. */
  block(blockerId: string, blockedId: string, now: number): Promise<boolean>;
  /** False when there was no such block. */
  unblock(blockerId: string, blockedId: string): Promise<boolean>;
  /** The user's blocks, oldest first. */
  blocks(blockerId: string): Promise<StoredBlock[]>;
  /** Which of `userIds` blocked `blockedId`. */
  blockersOf(blockedId: string, userIds: readonly string[]): Promise<Set<string>>;
  /** Whether `blockerId` blocked `blockedId`. */
  hasBlocked(blockerId: string, blockedId: string): Promise<boolean>;
  /** What refuses `senderId`'s send in the conversation at `now`. */
  sendRestrictions(conversationId: string, senderId: string, now: number): Promise<SendRestrictions>;

  /** Imposes or replaces the user's mute or ban in the conversation. */
  restrict(restriction: StoredRestriction): Promise<void>;
  /** False when there was no such restriction. */
  lift(conversationId: string, userId: string, kind: 'mute' | 'ban'): Promise<boolean>;
  /** The conversation's bans and the mutes not ended at `now`, oldest first. */
  restrictions(conversationId: string, now: number): Promise<StoredRestriction[]>;
  /** Which of `userIds` are banned from the conversation. */
  banned(conversationId: string, userIds: readonly string[]): Promise<Set<string>>;

  /** Stores the report, unless the reporter already reported the message: then the first report, with `created: false`. */
  report(report: StoredReport): Promise<{ report: StoredReport; created: boolean }>;
  getReport(id: string): Promise<StoredReport | null>;
  /** Reports by creation, oldest first, after the report `after`; of one status when given. */
  listReports(query: { status: ReportStatus | undefined; limit: number; after: string | null }): Promise<StoredReport[]>;
  /** Closes an open report; null when there is no such report, the report as it is when it was closed already. */
  closeReport(id: string, status: 'resolved' | 'dismissed', note: string | null, now: number): Promise<StoredReport | null>;
}
