import type { Message } from '@chat4all/protocol';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from '../rows/messages.js';
import { EXPORT_COLUMNS, type ExportRow, toExportRecord } from '../rows/privacy.js';
import { toUploadRecord, UPLOAD_COLUMNS, type UploadRow } from '../rows/uploads.js';
import type { ExportRecord, MembershipRecord, PrivacyRepository, RetentionTarget, UploadRecord } from '../types.js';
import type { PostgresDb } from './db.js';

/** A person's data in PostgreSQL: exports, erasure and the retention sweep. */
export class PostgresPrivacy implements PrivacyRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async messagesBySender(userId: string, after: string | null, limit: number): Promise<Message[]> {
    const { sql } = this.#db;
    const rows = await sql<MessageRow[]>`SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
      WHERE sender_id = ${userId} AND id > ${after ?? ''} ORDER BY id LIMIT ${limit}`;
    return rows.map(toMessage);
  }

  async uploadsByOwner(userId: string, after: string | null, limit: number): Promise<UploadRecord[]> {
    const { sql } = this.#db;
    const rows = await sql<UploadRow[]>`SELECT ${sql.unsafe(UPLOAD_COLUMNS)} FROM uploads
      WHERE owner_id = ${userId} AND id > ${after ?? ''} ORDER BY id LIMIT ${limit}`;
    return rows.map(toUploadRecord);
  }

  async uploadsOfMessages(messageIds: readonly string[]): Promise<string[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.#db.sql<
      { id: string }[]
    >`SELECT id FROM uploads WHERE message_id = ANY(${[...messageIds]}::text[]) ORDER BY id`;
    return rows.map((row) => row.id);
  }

  async memberships(userId: string): Promise<MembershipRecord[]> {
    const rows = await this.#db.sql<
      { conversation_id: string; type: 'private' | 'group'; title: string | null; role: string; joined_at: number }[]
    >`SELECT m.conversation_id, c.type, c.title, m.role, m.joined_at FROM members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = ${userId} ORDER BY m.joined_at, m.conversation_id`;
    return rows.map((row) => ({
      conversationId: row.conversation_id,
      type: row.type,
      title: row.title,
      role: row.role,
      joinedAt: row.joined_at,
    }));
  }

  async createExport(id: string, userId: string, now: number): Promise<ExportRecord> {
    const { sql } = this.#db;
    const [row] = await sql<ExportRow[]>`INSERT INTO privacy_exports (id, user_id, status, created_at)
      VALUES (${id}, ${userId}, 'pending', ${now}) RETURNING ${sql.unsafe(EXPORT_COLUMNS)}`;
    return toExportRecord(row as ExportRow);
  }

  async getExport(id: string): Promise<ExportRecord | null> {
    const { sql } = this.#db;
    const [row] = await sql<ExportRow[]>`SELECT ${sql.unsafe(EXPORT_COLUMNS)} FROM privacy_exports WHERE id = ${id}`;
    return row ? toExportRecord(row) : null;
  }

  async claimExport(now: number, leaseMs: number): Promise<ExportRecord | null> {
    const { sql } = this.#db;
    // SKIP LOCKED: nodes claiming at once each take a different export instead of waiting on one.
    const [row] = await sql<
      ExportRow[]
    >`UPDATE privacy_exports SET status = 'building', lease_until = ${now + leaseMs}, attempts = attempts + 1
      WHERE id = (SELECT id FROM privacy_exports WHERE status = 'pending' OR (status = 'building' AND lease_until < ${now})
                  ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${sql.unsafe(EXPORT_COLUMNS)}`;
    return row ? toExportRecord(row) : null;
  }

  async renewExport(id: string, leaseUntil: number): Promise<void> {
    await this.#db.sql`UPDATE privacy_exports SET lease_until = ${leaseUntil} WHERE id = ${id} AND status = 'building'`;
  }

  async finishExport(id: string, size: number, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.#db.sql`UPDATE privacy_exports SET status = 'ready', size = ${size}, ready_at = ${now},
      expires_at = ${expiresAt}, lease_until = NULL WHERE id = ${id}`;
    return result.count > 0;
  }

  async failExport(id: string, error: string): Promise<void> {
    await this.#db.sql`UPDATE privacy_exports SET status = 'failed', error = ${error}, lease_until = NULL WHERE id = ${id}`;
  }

  async expiredExports(now: number, limit: number): Promise<string[]> {
    const rows = await this.#db.sql<{ id: string }[]>`SELECT id FROM privacy_exports WHERE expires_at < ${now}
      ORDER BY expires_at LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  async exportsOf(userId: string): Promise<string[]> {
    const rows = await this.#db.sql<{ id: string }[]>`SELECT id FROM privacy_exports WHERE user_id = ${userId} ORDER BY created_at`;
    return rows.map((row) => row.id);
  }

  async deleteExport(id: string): Promise<void> {
    await this.#db.sql`DELETE FROM privacy_exports WHERE id = ${id}`;
  }

  async eraseIdentity(userId: string, now: number): Promise<string[]> {
    return this.#db.transaction(async (tx) => {
      const families = await tx<{ family_id: string }[]>`SELECT DISTINCT family_id FROM refresh_tokens
        WHERE user_id = ${userId} AND revoked_at IS NULL`;
      await tx`UPDATE users SET display_name = NULL, avatar_url = NULL, metadata = '{}', private_metadata = '{}', erased_at = ${now}
        WHERE id = ${userId}`;
      await tx`DELETE FROM accounts WHERE user_id = ${userId}`;
      // Revoked rather than deleted: an access token names its login, and a login the store no longer knows is not revoked.
      await tx`UPDATE refresh_tokens SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL`;
      await tx`DELETE FROM push_devices WHERE user_id = ${userId}`;
      await tx`DELETE FROM channel_identities WHERE contact_id = ${userId}`;
      await tx`UPDATE contacts SET preferred_channel_id = NULL WHERE id = ${userId}`;
      await tx`DELETE FROM delivery_parts WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = ${userId})`;
      await tx`DELETE FROM deliveries WHERE contact_id = ${userId}`;
      return families.map((row) => row.family_id);
    });
  }

  async anonymiseMessages(userId: string, limit: number): Promise<number> {
    return (
      await this.#db.sql`UPDATE messages SET sender_id = NULL
        WHERE id IN (SELECT id FROM messages WHERE sender_id = ${userId} ORDER BY id LIMIT ${limit})`
    ).count;
  }

  async claimSweep(name: string, holder: string, now: number, leaseMs: number): Promise<{ cursor: string | null } | null> {
    const { sql } = this.#db;
    await sql`INSERT INTO privacy_sweeps (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`;
    const [row] = await sql<{ cursor: string | null }[]>`UPDATE privacy_sweeps SET holder = ${holder}, lease_until = ${now + leaseMs}
      WHERE name = ${name} AND (lease_until < ${now} OR holder = ${holder}) RETURNING cursor`;
    return row ? { cursor: row.cursor } : null;
  }

  async saveSweep(name: string, holder: string, cursor: string | null, leaseUntil: number): Promise<boolean> {
    return (
      (
        await this.#db
          .sql`UPDATE privacy_sweeps SET cursor = ${cursor}, lease_until = ${leaseUntil} WHERE name = ${name} AND holder = ${holder}`
      ).count > 0
    );
  }

  async retentionTargets(after: string | null, limit: number): Promise<RetentionTarget[]> {
    const rows = await this.#db.sql<{ id: string; retention_days: number | null }[]>`SELECT id, retention_days FROM conversations
      WHERE id > ${after ?? ''} ORDER BY id LIMIT ${limit}`;
    return rows.map((row) => ({ id: row.id, retentionDays: row.retention_days }));
  }

  async expiredMessages(conversationId: string, before: number, limit: number): Promise<Message[]> {
    const { sql } = this.#db;
    const rows = await sql<MessageRow[]>`SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages
      WHERE conversation_id = ${conversationId} AND deleted_at IS NULL AND created_at < ${before} ORDER BY created_at, seq LIMIT ${limit}`;
    return rows.map(toMessage);
  }

  async setRetention(conversationId: string, days: number | null): Promise<boolean> {
    return (await this.#db.sql`UPDATE conversations SET retention_days = ${days} WHERE id = ${conversationId}`).count > 0;
  }

  async getRetention(conversationId: string): Promise<number | null | undefined> {
    const [row] = await this.#db.sql<
      { retention_days: number | null }[]
    >`SELECT retention_days FROM conversations WHERE id = ${conversationId}`;
    return row?.retention_days;
  }
}
