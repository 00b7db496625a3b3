import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DataExport, ErasureResult } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { linkHolds, signLink } from '../http/signed-links.js';
import type { Limits } from '../limits/limits.js';
import type { MessageService } from '../messages/service.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { iso, isoOrNull } from '../shared/time.js';
import type { ExportRecord, Store } from '../store/types.js';
import type { UploadService } from '../uploads/service.js';
import { exportKey, writeArchive } from './archive.js';

/** Rows changed per page while erasing. */
const PAGE = 500;
/** The retention sweep's row in `privacy_sweeps`. */
const RETENTION_SWEEP = 'retention';
const DAY_MS = 86_400_000;

export interface PrivacyServiceOptions {
  store: Store;
  uploads: UploadService;
  messages: MessageService;
  bus: Pick<Bus, 'publish'>;
  config: RelayConfig['privacy'];
  retention: RelayConfig['retention'];
  /** Signs links to archives, as the relay signs links to files. */
  linkSecret: string;
  rateLimits: Pick<Limits, 'write'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: Pick<RelayMetrics, 'dataExports' | 'erasures' | 'retentionDeleted'>;
}

/** What one retention run did. */
export interface RetentionRun {
  /** Messages tombstoned. */
  deleted: number;
  /** Files deleted from storage. */
  files: number;
  /** Whether it went through every conversation (false: it stopped at `retention.maxPerRun` or lost its lease). */
  complete: boolean;
}

/**
 * A person's data: exports built in the background into the upload storage and downloaded
 * through short-lived signed links, erasure of a user or contact, and the retention sweep.
 * Exports and the sweep are job rows in the store that any node takes under a lease, so a
 * node that dies leaves its work to another.
 */
export class PrivacyService {
  readonly #holder = randomBytes(8).toString('hex');
  #building: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly options: PrivacyServiceOptions) {}

  /** Asks for an export of `userId`'s data; it is built in the background. */
  async requestExport(userId: string): Promise<DataExport> {
    await this.#limit(userId);
    if (!(await this.options.store.users.get(userId))) throw new RelayError('USER_NOT_FOUND', `User ${userId} not found`);
    const record = await this.options.store.privacy.createExport(randomBytes(16).toString('hex'), userId, Date.now());
    this.kick();
    return this.view(record);
  }

  /** The user's export, with a fresh download link when it is ready; another user's is EXPORT_NOT_FOUND. */
  async exportOf(userId: string, id: string): Promise<DataExport> {
    const record = await this.options.store.privacy.getExport(id);
    // Past its expiry it is gone, whether or not the sweep has deleted it yet.
    if (!record || record.userId !== userId || (record.expiresAt !== null && record.expiresAt <= Date.now()))
      throw new RelayError('EXPORT_NOT_FOUND', `Export ${id} not found`);
    return this.view(record);
  }

  /**
   * An export as its user sees it. The link's expiry is rounded up to the next period of
   * `exportLinkTtlSeconds` (as file links are), never past the archive's own expiry.
   */
  view(record: ExportRecord, now = Date.now()): DataExport {
    let url: string | null = null;
    let urlExpiresAt: number | null = null;
    if (record.status === 'ready' && record.expiresAt !== null) {
      const period = this.options.config.exportLinkTtlSeconds * 1000;
      urlExpiresAt = Math.min((Math.floor(now / period) + 2) * period, record.expiresAt);
      const signature = signLink(this.options.linkSecret, ['export', record.id, record.userId, urlExpiresAt]);
      url = `/v1/exports/${record.id}/archive?user=${encodeURIComponent(record.userId)}&expires=${urlExpiresAt}&signature=${signature}`;
    }
    return {
      id: record.id,
      userId: record.userId,
      status: record.status,
      createdAt: iso(record.createdAt),
      readyAt: isoOrNull(record.readyAt),
      expiresAt: isoOrNull(record.expiresAt),
      size: record.size,
      url,
      urlExpiresAt: isoOrNull(urlExpiresAt),
    };
  }

  /** The archive a signed link names, while the link holds and the export is ready. */
  async archive(
    id: string,
    link: { user?: string; expires?: string; signature?: string },
  ): Promise<{ record: ExportRecord; bytes: Readable }> {
    const expiresAt = Number(link.expires);
    if (
      link.user === undefined ||
      link.signature === undefined ||
      !linkHolds(this.options.linkSecret, ['export', id, link.user, expiresAt], expiresAt, link.signature)
    )
      throw new RelayError('UNAUTHENTICATED', 'The download link is invalid or has expired; GET the export again for a new one');
    const record = await this.options.store.privacy.getExport(id);
    if (!record || record.userId !== link.user || record.status !== 'ready')
      throw new RelayError('EXPORT_NOT_FOUND', `Export ${id} not found`);
    // Its first bytes are awaited before any header is sent, so an archive missing from storage is answered as one.
    const bytes = await this.options.uploads.storage
      .read(exportKey(id))
      .then((stream) => new Promise<Readable>((resolve, reject) => stream.once('readable', () => resolve(stream)).once('error', reject)))
      .catch(() => {
        throw new RelayError('EXPORT_NOT_FOUND', `The archive of export ${id} is gone`);
      });
    return { record, bytes };
  }

  /** Builds waiting exports now on this node, unless it already is. */
  kick(): void {
    if (this.#building || this.#closed) return;
    this.#building = this.buildExports()
      .then(
        () => undefined,
        (err: unknown) => this.options.log.error({ err }, 'export build failed'),
      )
      .finally(() => {
        this.#building = undefined;
      });
  }

  /** Builds exports until none is waiting; returns how many it finished. */
  async buildExports(): Promise<number> {
    const { store, config, log } = this.options;
    let built = 0;
    for (;;) {
      if (this.#closed) return built;
      const record = await store.privacy.claimExport(Date.now(), config.exportLeaseMs);
      if (!record) return built;
      if (record.attempts > config.maxAttempts) {
        await store.privacy.failExport(record.id, `gave up after ${config.maxAttempts} attempts`);
        this.options.metrics?.dataExports.inc({ outcome: 'failed' });
        continue;
      }
      // Renewed while it is built, so a large archive is not taken over by another node halfway.
      const renew = setInterval(() => {
        store.privacy.renewExport(record.id, Date.now() + config.exportLeaseMs).catch(() => {});
      }, config.exportLeaseMs / 3);
      try {
        const size = await writeArchive(record, { store, uploads: this.options.uploads, closed: () => this.#closed });
        const now = Date.now();
        if (await store.privacy.finishExport(record.id, size, now, now + config.exportKeepMs)) {
          this.options.metrics?.dataExports.inc({ outcome: 'ready' });
          built += 1;
        } else {
          // Erased while it was built: the archive written meanwhile goes too.
          await this.options.uploads.storage.remove(exportKey(record.id));
        }
      } catch (err) {
        await this.options.uploads.storage.remove(exportKey(record.id)).catch(() => {});
        if (this.#closed) {
          // Stopped by the node closing: another node starts it again now rather than after the lease.
          await store.privacy.renewExport(record.id, 0);
          return built;
        }
        // The lease lapses and another attempt (on any node) builds it again from the start.
        log.warn({ err, exportId: record.id }, 'could not build an export; it is tried again when its lease lapses');
        const last = record.attempts >= config.maxAttempts;
        if (last) await store.privacy.failExport(record.id, 'the archive could not be built');
        this.options.metrics?.dataExports.inc({ outcome: last ? 'failed' : 'retried' });
      } finally {
        clearInterval(renew);
      }
    }
  }

  /** Deletes the archives past their expiry, with their rows; returns how many. */
  async sweepExports(now = Date.now()): Promise<number> {
    const ids = await this.options.store.privacy.expiredExports(now, 100);
    for (const id of ids) await this.#dropExport(id);
    return ids.length;
  }

  async #dropExport(id: string): Promise<void> {
    await this.options.uploads.storage.remove(exportKey(id));
    await this.options.store.privacy.deleteExport(id);
  }

  /**
   * Erases a user or a contact: their exports, then the messages they sent (tombstoned through
   * the message path, so members see `message.deleted`, or anonymised, per `privacy.eraseMode`),
   * then every file they uploaded, then who they are (profile, login, sessions, devices,
   * channel identities). Each step can run again, so an erasure cut short is finished by
   * asking again.
   */
  async erase(userId: string, kind: 'user' | 'contact' = 'user'): Promise<ErasureResult> {
    const { store, messages, config, bus, log } = this.options;
    await this.#limit(userId);
    if (kind === 'contact' ? !(await store.contacts.get(userId)) : !(await store.users.get(userId)))
      throw new RelayError(
        kind === 'contact' ? 'CONTACT_NOT_FOUND' : 'USER_NOT_FOUND',
        `${kind === 'contact' ? 'Contact' : 'User'} ${userId} not found`,
      );
    for (const id of await store.privacy.exportsOf(userId)) await this.#dropExport(id);
    let erased = 0;
    let files = 0;
    if (config.eraseMode === 'anonymise') {
      // The files first: once the sender is off a message, nothing ties it to them.
      files += await this.#eraseUploads(userId);
      for (;;) {
        const changed = await store.privacy.anonymiseMessages(userId, PAGE);
        erased += changed;
        if (changed < PAGE) break;
      }
    } else {
      let after: string | null = null;
      for (;;) {
        const page = await store.privacy.messagesBySender(userId, after, PAGE);
        const live = page.filter((message) => !message.deletedAt);
        files += await this.#dropFilesOf(live.map((message) => message.id));
        for (const message of live) {
          await messages.delete({ kind: 'server' }, message.conversationId, message.id);
          erased += 1;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1]?.id ?? null;
      }
      files += await this.#eraseUploads(userId);
    }
    const sessions = await store.privacy.eraseIdentity(userId, Date.now());
    for (const sessionId of sessions)
      await bus
        .publish({ kind: 'session', userId, sessionId })
        .catch((err: unknown) => log.error({ err, userId }, 'could not close the sockets of an erased login'));
    log.info({ userId, kind, messages: erased, files }, 'erased');
    this.options.metrics?.erasures.inc({ kind });
    return { userId, mode: config.eraseMode, messages: erased, files };
  }

  /** Deletes every upload the user owns, bytes and record; how many. */
  async #eraseUploads(userId: string): Promise<number> {
    let count = 0;
    for (;;) {
      const owned = await this.options.store.privacy.uploadsByOwner(userId, null, PAGE);
      for (const upload of owned) await this.options.uploads.discard(upload.id);
      count += owned.length;
      if (owned.length < PAGE) return count;
    }
  }

  /** Deletes the files attached to these messages; how many. */
  async #dropFilesOf(messageIds: readonly string[]): Promise<number> {
    const ids = await this.options.store.privacy.uploadsOfMessages(messageIds);
    for (const id of ids) await this.options.uploads.discard(id);
    return ids.length;
  }

  /**
   * One run of the retention sweep, on whichever node holds its lease: conversation by conversation
   * (by id, from where the last run stopped), the messages older than the conversation's
   * retention (its own, else `retention.messageDays`) lose their files and are tombstoned, in
   * batches. The cursor is saved after each conversation and the lease renewed with it, so a node
   * that dies mid-run leaves the rest to the next holder. Null when another node holds the lease.
   */
  async sweepRetention(now = Date.now()): Promise<RetentionRun | null> {
    const { store, retention, messages } = this.options;
    const claim = await store.privacy.claimSweep(RETENTION_SWEEP, this.#holder, now, retention.leaseMs);
    if (!claim) return null;
    let cursor = claim.cursor;
    const run: RetentionRun = { deleted: 0, files: 0, complete: false };
    for (;;) {
      const targets = await store.privacy.retentionTargets(cursor, 100);
      for (const target of targets) {
        const days = target.retentionDays ?? retention.messageDays;
        if (days > 0) {
          for (;;) {
            const budget = retention.maxPerRun - run.deleted;
            if (budget <= 0 || this.#closed) {
              // Stopped inside the conversation: the next run starts with it again (`cursor` is the one before).
              await store.privacy.saveSweep(RETENTION_SWEEP, this.#holder, cursor, 0);
              return run;
            }
            const old = await store.privacy.expiredMessages(target.id, now - days * DAY_MS, Math.min(retention.batchSize, budget));
            // Files first: a message tombstoned before its files are gone would never be found again to remove them.
            const files = await this.#dropFilesOf(old.map((message) => message.id));
            for (const message of old) await messages.delete({ kind: 'server' }, message.conversationId, message.id);
            run.files += files;
            run.deleted += old.length;
            this.options.metrics?.retentionDeleted.inc({ what: 'files' }, files);
            this.options.metrics?.retentionDeleted.inc({ what: 'messages' }, old.length);
            if (old.length < Math.min(retention.batchSize, budget)) break;
            // A large conversation renews the lease after each batch too; a holder that lost it stops.
            if (!(await store.privacy.saveSweep(RETENTION_SWEEP, this.#holder, cursor, Date.now() + retention.leaseMs))) return run;
          }
        }
        cursor = target.id;
        if (!(await store.privacy.saveSweep(RETENTION_SWEEP, this.#holder, cursor, Date.now() + retention.leaseMs))) return run;
      }
      if (targets.length < 100) {
        // A whole pass: the next starts from the first conversation, on whichever node gets the lease.
        await store.privacy.saveSweep(RETENTION_SWEEP, this.#holder, null, 0);
        run.complete = true;
        return run;
      }
    }
  }

  /** A conversation's own retention in days, null when it follows `retention.messageDays`. */
  async retentionOf(conversationId: string): Promise<number | null> {
    const days = await this.options.store.privacy.getRetention(conversationId);
    if (days === undefined) throw new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} not found`);
    return days;
  }

  async setRetention(conversationId: string, days: number | null): Promise<number | null> {
    if (!(await this.options.store.privacy.setRetention(conversationId, days)))
      throw new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} not found`);
    return days;
  }

  /** Stops taking work; an export being built stops at its next file or page and is left for another node at once. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#building;
  }

  async #limit(userId: string): Promise<void> {
    const refusal = await this.options.rateLimits.write('privacy', userId);
    if (refusal) throw refusal;
  }
}
