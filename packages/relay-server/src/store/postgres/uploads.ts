import { toUploadRecord, UPLOAD_COLUMNS, type UploadRow, uploadRow } from '../rows/uploads.js';
import type { UploadImage, UploadRecord, UploadsRepository } from '../types.js';
import type { PostgresDb } from './db.js';

/** Upload records in PostgreSQL. */
export class PostgresUploads implements UploadsRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async create(record: UploadRecord): Promise<void> {
    await this.#db.sql`INSERT INTO uploads ${this.#db.sql(uploadRow(record))}`;
  }

  async get(id: string): Promise<UploadRecord | null> {
    const [row] = await this.#db.sql<UploadRow[]>`SELECT ${this.#db.sql.unsafe(UPLOAD_COLUMNS)} FROM uploads WHERE id = ${id}`;
    return row ? toUploadRecord(row) : null;
  }

  async complete(id: string, sha256: string, expiresAt: number, image: UploadImage | null = null): Promise<UploadRecord | null> {
    const [row] = await this.#db.sql<UploadRow[]>`
      UPDATE uploads SET complete = true, sha256 = ${sha256}, expires_at = ${expiresAt},
        width = coalesce(width, ${image?.width ?? null}::integer), height = coalesce(height, ${image?.height ?? null}::integer),
        thumbnail_width = ${image?.thumbnail?.width ?? null}, thumbnail_height = ${image?.thumbnail?.height ?? null}
      WHERE id = ${id}
      RETURNING ${this.#db.sql.unsafe(UPLOAD_COLUMNS)}`;
    return row ? toUploadRecord(row) : null;
  }

  async setImage(id: string, image: UploadImage): Promise<UploadRecord | null> {
    const [row] = await this.#db.sql<UploadRow[]>`
      UPDATE uploads SET width = coalesce(width, ${image.width}::integer), height = coalesce(height, ${image.height}::integer),
        thumbnail_width = ${image.thumbnail?.width ?? null}, thumbnail_height = ${image.thumbnail?.height ?? null}
      WHERE id = ${id} AND complete AND message_id IS NULL
      RETURNING ${this.#db.sql.unsafe(UPLOAD_COLUMNS)}`;
    return row ? toUploadRecord(row) : null;
  }

  async attach(id: string, messageId: string): Promise<UploadRecord | null> {
    const [row] = await this.#db.sql<UploadRow[]>`
      UPDATE uploads SET message_id = ${messageId}, expires_at = NULL
      WHERE id = ${id} AND complete AND (message_id IS NULL OR message_id = ${messageId})
      RETURNING ${this.#db.sql.unsafe(UPLOAD_COLUMNS)}`;
    return row ? toUploadRecord(row) : null;
  }

  async countOpen(ownerId: string): Promise<number> {
    const [row] = await this.#db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM uploads WHERE owner_id = ${ownerId} AND NOT complete`;
    return row?.n ?? 0;
  }

  async expired(now: number, limit: number): Promise<string[]> {
    const rows = await this.#db.sql<{ id: string }[]>`
      SELECT id FROM uploads WHERE message_id IS NULL AND expires_at <= ${now} ORDER BY expires_at LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  async delete(id: string): Promise<void> {
    await this.#db.sql`DELETE FROM uploads WHERE id = ${id}`;
  }
}
