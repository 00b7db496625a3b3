import type { Message } from '@chat4all/protocol';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from '../rows/messages.js';
import { EXPORT_COLUMNS, type ExportRow, toExportRecord } from '../rows/privacy.js';
import { toUploadRecord, UPLOAD_COLUMNS, type UploadRow } from '../rows/uploads.js';
import type { ExportRecord, MembershipRecord, PrivacyRepository, RetentionTarget, UploadRecord } from '../types.js';
import type { SqliteDb } from './db.js';

/** A person's data in SQLite: exports, erasure and the retention sweep. */
export class SqlitePrivacy implements PrivacyRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async messagesBySender(userId: string, after: string | null, limit: number): Promise<Message[]> {
    return this.#db
      .all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE sender_id = ? AND id > ? ORDER BY id LIMIT ?`,
        userId,
        after ?? '',
        limit,
      )
      .map(toMessage);
  }

  async uploadsByOwner(userId: string, after: string | null, limit: number): Promise<UploadRecord[]> {
    return this.#db
      .all<UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?`, userId, after ?? '', limit)
      .map(toUploadRecord);
  }

  async uploadsOfMessages(messageIds: readonly string[]): Promise<string[]> {
    if (messageIds.length === 0) return [];
    return this.#db
      .all<{ id: string }>(
        `SELECT id FROM uploads WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
        JSON.stringify(messageIds),
      )
      .map((row) => row.id);
  }

  async memberships(userId: string): Promise<MembershipRecord[]> {
    return this.#db
      .all<{ conversation_id: string; type: 'private' | 'group'; title: string | null; role: string; joined_at: number }>(
        `SELECT m.conversation_id, c.type, c.title, m.role, m.joined_at FROM members m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.user_id = ? ORDER BY m.joined_at, m.conversation_id`,
        userId,
      )
      .map((row) => ({ conversationId: row.conversation_id, type: row.type, title: row.title, role: row.role, joinedAt: row.joined_at }));
  }

  async createExport(id: string, userId: string, now: number): Promise<ExportRecord> {
    const row = this.#db.get<ExportRow>(
      `INSERT INTO privacy_exports (id, user_id, status, created_at) VALUES (?, ?, 'pending', ?) RETURNING ${EXPORT_COLUMNS}`,
      id,
      userId,
      now,
    ) as ExportRow;
    return toExportRecord(row);
  }

  async getExport(id: string): Promise<ExportRecord | null> {
    const row = this.#db.get<ExportRow>(`SELECT ${EXPORT_COLUMNS} FROM privacy_exports WHERE id = ?`, id);
    return row ? toExportRecord(row) : null;
  }

  async claimExport(now: number, leaseMs: number): Promise<ExportRecord | null> {
    // One writer at a time in SQLite: the select and the update cannot interleave with another claim.
    return this.#db.transaction(() => {
      const row = this.#db.get<ExportRow>(
        `UPDATE privacy_exports SET status = 'building', lease_until = ?, attempts = attempts + 1
         WHERE id = (SELECT id FROM privacy_exports WHERE status = 'pending' OR (status = 'building' AND lease_until < ?)
                     ORDER BY created_at, id LIMIT 1)
         RETURNING ${EXPORT_COLUMNS}`,
        now + leaseMs,
        now,
      );
      return row ? toExportRecord(row) : null;
    });
  }

  async renewExport(id: string, leaseUntil: number): Promise<void> {
    this.#db.run(`UPDATE privacy_exports SET lease_until = ? WHERE id = ? AND status = 'building'`, leaseUntil, id);
  }

  async finishExport(id: string, size: number, now: number, expiresAt: number): Promise<boolean> {
    return (
      this.#db.run(
        `UPDATE privacy_exports SET status = 'ready', size = ?, ready_at = ?, expires_at = ?, lease_until = NULL WHERE id = ?`,
        size,
        now,
        expiresAt,
        id,
      ).changes > 0
    );
  }

  async failExport(id: string, error: string): Promise<void> {
    this.#db.run(`UPDATE privacy_exports SET status = 'failed', error = ?, lease_until = NULL WHERE id = ?`, error, id);
  }

  async expiredExports(now: number, limit: number): Promise<string[]> {
    return this.#db
      .all<{ id: string }>('SELECT id FROM privacy_exports WHERE expires_at < ? ORDER BY expires_at LIMIT ?', now, limit)
      .map((row) => row.id);
  }

  async exportsOf(userId: string): Promise<string[]> {
    return this.#db
      .all<{ id: string }>('SELECT id FROM privacy_exports WHERE user_id = ? ORDER BY created_at', userId)
      .map((row) => row.id);
  }

  async deleteExport(id: string): Promise<void> {
    this.#db.run('DELETE FROM privacy_exports WHERE id = ?', id);
  }

  async eraseIdentity(userId: string, now: number): Promise<string[]> {
    return this.#db.transaction(() => {
      const families = this.#db
        .all<{ family_id: string }>('SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL', userId)
        .map((row) => row.family_id);
      this.#db.run(
        `UPDATE users SET display_name = NULL, avatar_url = NULL, metadata = '{}', private_metadata = '{}', erased_at = ? WHERE id = ?`,
        now,
        userId,
      );
      this.#db.run('DELETE FROM accounts WHERE user_id = ?', userId);
      // Revoked rather than deleted: an access token names its login, and a login the store no longer knows is not revoked.
      this.#db.run('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', now, userId);
      this.#db.run('DELETE FROM push_devices WHERE user_id = ?', userId);
      this.#db.run('DELETE FROM channel_identities WHERE contact_id = ?', userId);
      this.#db.run('UPDATE contacts SET preferred_channel_id = NULL WHERE id = ?', userId);
      this.#db.run('DELETE FROM delivery_parts WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = ?)', userId);
      this.#db.run('DELETE FROM deliveries WHERE contact_id = ?', userId);
      return families;
    });
  }

  async anonymiseMessages(userId: string, limit: number): Promise<number> {
    return this.#db.run(
      'UPDATE messages SET sender_id = NULL WHERE id IN (SELECT id FROM messages WHERE sender_id = ? ORDER BY id LIMIT ?)',
      userId,
      limit,
    ).changes;
  }

  async claimSweep(name: string, holder: string, now: number, leaseMs: number): Promise<{ cursor: string | null } | null> {
    return this.#db.transaction(() => {
      this.#db.run('INSERT INTO privacy_sweeps (name) VALUES (?) ON CONFLICT (name) DO NOTHING', name);
      const row = this.#db.get<{ cursor: string | null }>(
        'UPDATE privacy_sweeps SET holder = ?, lease_until = ? WHERE name = ? AND (lease_until < ? OR holder = ?) RETURNING cursor',
        holder,
        now + leaseMs,
        name,
        now,
        holder,
      );
      return row ? { cursor: row.cursor } : null;
    });
  }

  async saveSweep(name: string, holder: string, cursor: string | null, leaseUntil: number): Promise<boolean> {
    return (
      this.#db.run('UPDATE privacy_sweeps SET cursor = ?, lease_until = ? WHERE name = ? AND holder = ?', cursor, leaseUntil, name, holder)
        .changes > 0
    );
  }

  async retentionTargets(after: string | null, limit: number): Promise<RetentionTarget[]> {
    return this.#db
      .all<{ id: string; retention_days: number | null }>(
        'SELECT id, retention_days FROM conversations WHERE id > ? ORDER BY id LIMIT ?',
        after ?? '',
        limit,
      )
      .map((row) => ({ id: row.id, retentionDays: row.retention_days }));
  }

  async expiredMessages(conversationId: string, before: number, limit: number): Promise<Message[]> {
    return this.#db
      .all<MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND deleted_at IS NULL AND created_at < ? ORDER BY created_at, seq LIMIT ?`,
        conversationId,
        before,
        limit,
      )
      .map(toMessage);
  }

  async setRetention(conversationId: string, days: number | null): Promise<boolean> {
    return this.#db.run('UPDATE conversations SET retention_days = ? WHERE id = ?', days, conversationId).changes > 0;
  }

  async getRetention(conversationId: string): Promise<number | null | undefined> {
    return this.#db.get<{ retention_days: number | null }>('SELECT retention_days FROM conversations WHERE id = ?', conversationId)
      ?.retention_days;
  }
}
