import { toUploadRecord, UPLOAD_COLUMNS, type UploadRow, uploadRow } from '../rows/uploads.js';
import type { UploadImage, UploadRecord, UploadsRepository } from '../types.js';
import type { SqliteDb } from './db.js';

/** Upload records in SQLite. */
export class SqliteUploads implements UploadsRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async create(record: UploadRecord): Promise<void> {
    const row = uploadRow(record);
    this.#db.run(
      `INSERT INTO uploads (${UPLOAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.owner_id,
      row.conversation_id,
      row.name,
      row.type,
      row.size,
      row.sha256,
      row.width,
      row.height,
      row.thumbnail_width,
      row.thumbnail_height,
      row.complete ? 1 : 0,
      row.message_id,
      row.created_at,
      row.expires_at,
    );
  }

  async get(id: string): Promise<UploadRecord | null> {
    const row = this.#db.get<UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM uploads WHERE id = ?`, id);
    return row ? toUploadRecord(row) : null;
  }

  async complete(id: string, sha256: string, expiresAt: number, image: UploadImage | null = null): Promise<UploadRecord | null> {
    const row = this.#db.get<UploadRow>(
      `UPDATE uploads SET complete = 1, sha256 = ?, expires_at = ?, width = coalesce(width, ?), height = coalesce(height, ?),
       thumbnail_width = ?, thumbnail_height = ? WHERE id = ? RETURNING ${UPLOAD_COLUMNS}`,
      sha256,
      expiresAt,
      image?.width ?? null,
      image?.height ?? null,
      image?.thumbnail?.width ?? null,
      image?.thumbnail?.height ?? null,
      id,
    );
    return row ? toUploadRecord(row) : null;
  }

  async setImage(id: string, image: UploadImage): Promise<UploadRecord | null> {
    const row = this.#db.get<UploadRow>(
      `UPDATE uploads SET width = coalesce(width, ?), height = coalesce(height, ?), thumbnail_width = ?, thumbnail_height = ?
       WHERE id = ? AND complete = 1 AND message_id IS NULL RETURNING ${UPLOAD_COLUMNS}`,
      image.width,
      image.height,
      image.thumbnail?.width ?? null,
      image.thumbnail?.height ?? null,
      id,
    );
    return row ? toUploadRecord(row) : null;
  }

  async attach(id: string, messageId: string): Promise<UploadRecord | null> {
    const row = this.#db.get<UploadRow>(
      `UPDATE uploads SET message_id = ?, expires_at = NULL
       WHERE id = ? AND complete = 1 AND (message_id IS NULL OR message_id = ?) RETURNING ${UPLOAD_COLUMNS}`,
      messageId,
      id,
      messageId,
    );
    return row ? toUploadRecord(row) : null;
  }

  async countOpen(ownerId: string): Promise<number> {
    return this.#db.get<{ n: number }>('SELECT count(*) AS n FROM uploads WHERE owner_id = ? AND complete = 0', ownerId)?.n ?? 0;
  }

  async expired(now: number, limit: number): Promise<string[]> {
    return this.#db
      .all<{ id: string }>('SELECT id FROM uploads WHERE message_id IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?', now, limit)
      .map((row) => row.id);
  }

  async delete(id: string): Promise<void> {
    this.#db.run('DELETE FROM uploads WHERE id = ?', id);
  }
}
