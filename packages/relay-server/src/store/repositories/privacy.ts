import type { Message } from '@chat4all/protocol';
import type { UploadRecord } from './uploads.js';

/** Where a data export is: waiting for a node, being built, ready to download until `expiresAt`, or failed. */
export type ExportStatus = 'pending' | 'building' | 'ready' | 'failed';

/** A data export's job row. Times in epoch ms. */
export interface ExportRecord {
  id: string;
  userId: string;
  status: ExportStatus;
  /** Builds started, counting one a node died in. */
  attempts: number;
  /** The archive's size in bytes once ready. */
  size: number | null;
  error: string | null;
  createdAt: number;
  readyAt: number | null;
  /** The archive is deleted after this; null until ready. */
  expiresAt: number | null;
}

/** One of a user's memberships, as an export lists it. */
export interface MembershipRecord {
  conversationId: string;
  type: 'private' | 'group';
  title: string | null;
  role: string;
  joinedAt: number;
}

/** A conversation as the retention sweep walks them: its own retention in days, null for the relay's. */
export interface RetentionTarget {
  id: string;
  retentionDays: number | null;
}

/**
 * A person's data: what exports read, what erasure removes, and the retention sweep's lease,
 * cursor and reads. Messages are tombstoned through `MessagesRepository.delete`, not here.
 */
export interface PrivacyRepository {
  /** Messages the user sent, tombstones included, by id after `after`. */
  messagesBySender(userId: string, after: string | null, limit: number): Promise<Message[]>;
  /** Uploads the user owns, by id after `after`. */
  uploadsByOwner(userId: string, after: string | null, limit: number): Promise<UploadRecord[]>;
  /** Ids of the uploads attached to any of these messages. */
  uploadsOfMessages(messageIds: readonly string[]): Promise<string[]>;
  /** The conversations the user is a member of, by when they joined. */
  memberships(userId: string): Promise<MembershipRecord[]>;

  createExport(id: string, userId: string, now: number): Promise<ExportRecord>;
  getExport(id: string): Promise<ExportRecord | null>;
  /**
   * Takes the oldest export waiting, or one being built whose lease lapsed (its node died): it
   * is `building` under a lease until `now + leaseMs`, with one more attempt. Null when none;
   * concurrent callers on any node never take the same one.
   */
  claimExport(now: number, leaseMs: number): Promise<ExportRecord | null>;
  /** Moves the lease of an export being built to `leaseUntil` (0 gives it up at once). */
  renewExport(id: string, leaseUntil: number): Promise<void>;
  /** The export is ready until `expiresAt`. */
  /** False when the export is gone (its user erased meanwhile): the archive just written is then the caller's to delete. */
  finishExport(id: string, size: number, now: number, expiresAt: number): Promise<boolean>;
  failExport(id: string, error: string): Promise<void>;
  /** Ready exports past `expiresAt`, oldest first. */
  expiredExports(now: number, limit: number): Promise<string[]>;
  /** Ids of every export of the user. */
  exportsOf(userId: string): Promise<string[]>;
  deleteExport(id: string): Promise<void>;

  /**
   * Forgets who the user is, in one transaction: their profile (name, avatar, metadata) is
   * blanked, their login and push devices removed and every login's refresh tokens revoked;
   * for a contact, its channel identities and deliveries too. The id stays, so the messages and
   * memberships that name it hold. The login families it revoked.
   */
  eraseIdentity(userId: string, now: number): Promise<string[]>;
  /** Takes the sender off up to `limit` of the user's messages; how many. */
  anonymiseMessages(userId: string, limit: number): Promise<number>;

  /**
   * Takes the sweep's lease until `now + leaseMs` when it is free, lapsed, or already this
   * holder's, and returns where the last run stopped; null when another holder has it.
   */
  claimSweep(name: string, holder: string, now: number, leaseMs: number): Promise<{ cursor: string | null } | null>;
  /** Records progress and renews (or, with `leaseUntil` 0, gives up) the lease; false when the holder lost it. */
  saveSweep(name: string, holder: string, cursor: string | null, leaseUntil: number): Promise<boolean>;
  /** Conversations by id after `after`. */
  retentionTargets(after: string | null, limit: number): Promise<RetentionTarget[]>;
  /** The conversation's messages created before `before` and not deleted, oldest first. */
  expiredMessages(conversationId: string, before: number, limit: number): Promise<Message[]>;
  /** Sets a conversation's own retention (null: the relay's); false for an unknown conversation. */
  setRetention(conversationId: string, days: number | null): Promise<boolean>;
  getRetention(conversationId: string): Promise<number | null | undefined>;
}
