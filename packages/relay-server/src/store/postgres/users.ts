import type { Metadata, User } from '@chat4all/protocol';
import { directoryPage, escapeLike, toUser, type UserRow } from '../rows/users.js';
import type { DirectoryCursor, RefreshFamily, RefreshRotation, RefreshTokenRecord, UserInput, UsersRepository } from '../types.js';
import type { PostgresDb } from './db.js';

/** Users, logins and refresh tokens in PostgreSQL. */
export class PostgresUsers implements UsersRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async upsert(input: UserInput, now: number): Promise<User> {
    const [row] = await this.#db.sql<UserRow[]>`
      INSERT INTO users (id, display_name, avatar_url, metadata, private_metadata, created_at, updated_at)
      VALUES (${input.id}, ${input.displayName ?? null}, ${input.avatarUrl ?? null}, ${JSON.stringify(input.metadata ?? {})},
        ${JSON.stringify(input.privateMetadata ?? {})}, ${now}, ${now})
      ON CONFLICT (id) DO UPDATE SET
        display_name = CASE WHEN ${input.displayName !== undefined} THEN excluded.display_name ELSE users.display_name END,
        avatar_url = CASE WHEN ${input.avatarUrl !== undefined} THEN excluded.avatar_url ELSE users.avatar_url END,
        metadata = CASE WHEN ${input.metadata !== undefined} THEN excluded.metadata ELSE users.metadata END,
        private_metadata = CASE WHEN ${input.privateMetadata !== undefined} THEN excluded.private_metadata ELSE users.private_metadata END,
        updated_at = excluded.updated_at
      RETURNING *`;
    return toUser(row as UserRow);
  }

  async privateMetadata(id: string): Promise<Metadata | null> {
    const [row] = await this.#db.sql<{ private_metadata: string }[]>`SELECT private_metadata FROM users WHERE id = ${id}`;
    return row ? (JSON.parse(row.private_metadata) as Metadata) : null;
  }

  async ensure(id: string, displayName: string | null, now: number): Promise<boolean> {
    const result = await this.#db.sql`
      INSERT INTO users (id, display_name, created_at, updated_at) VALUES (${id}, ${displayName}, ${now}, ${now})
      ON CONFLICT (id) DO NOTHING`;
    return result.count > 0;
  }

  async get(id: string): Promise<User | null> {
    const [row] = await this.#db.sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row ? toUser(row) : null;
  }

  async directory(prefix: string, after: DirectoryCursor | null, limit: number) {
    const like = `${escapeLike(prefix)}%`;
    const afterName = after?.name ?? null;
    // Byte order ("C"), as SQLite sorts, so a cursor means the same on both stores.
    const rows = await this.#db.sql<Array<UserRow & { sort_name: string }>>`
      SELECT * FROM (
        SELECT u.*, lower(COALESCE(NULLIF(u.display_name, ''), u.id)) COLLATE "C" AS sort_name FROM users u
        WHERE u.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = u.id)
          AND (${prefix} = '' OR lower(u.id) LIKE lower(${like}) OR lower(u.display_name) LIKE lower(${like})
               OR lower(u.display_name) LIKE lower(${`% ${like}`}))
      ) d
      WHERE ${afterName}::text IS NULL OR d.sort_name > ${afterName}::text COLLATE "C"
         OR (d.sort_name = ${afterName}::text COLLATE "C" AND d.id COLLATE "C" > ${after?.id ?? ''}::text COLLATE "C")
      ORDER BY d.sort_name, d.id COLLATE "C"
      LIMIT ${limit}`;
    return directoryPage(rows, limit);
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.#db.sql<{ id: string }[]>`SELECT id FROM users WHERE id = ANY(${[...ids]}::text[])`;
    return new Set(rows.map((row) => row.id));
  }

  async createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false> {
    return this.#db.sql
      .begin(async (tx) => {
        const [row] = await tx<UserRow[]>`
        INSERT INTO users (id, display_name, created_at, updated_at) VALUES (${input.userId}, ${input.displayName}, ${now}, ${now})
        RETURNING *`;
        const inserted = await tx`
        INSERT INTO accounts (username, user_id, password_hash, created_at)
        VALUES (${input.username}, ${input.userId}, ${input.passwordHash}, ${now})
        ON CONFLICT DO NOTHING`;
        // Taken (by any case of it): throwing rolls the user back too.
        if (inserted.count === 0) throw new UsernameTaken();
        return toUser(row as UserRow);
      })
      .catch((error: unknown) => {
        if (error instanceof UsernameTaken) return false;
        throw error;
      });
  }

  async getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null> {
    const [row] = await this.#db.sql<{ user_id: string; password_hash: string }[]>`
      SELECT user_id, password_hash FROM accounts WHERE lower(username) = lower(${username})`;
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : null;
  }

  async insertRefreshToken(record: RefreshTokenRecord): Promise<void> {
    await this.#db.sql`
      INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
      VALUES (${record.tokenHash}, ${record.familyId}, ${record.userId}, ${record.expiresAt})`;
  }

  async rotateRefreshToken(
    tokenHash: string,
    next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>,
    now: number,
  ): Promise<RefreshRotation> {
    return this.#db.transaction(async (tx): Promise<RefreshRotation> => {
      const [row] = await tx<
        { family_id: string; user_id: string; expires_at: number; used_at: number | null; revoked_at: number | null }[]
      >`SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ${tokenHash} FOR UPDATE`;
      if (!row) return { ok: false, reason: 'invalid' };
      if (row.used_at !== null) {
        await tx`UPDATE refresh_tokens SET revoked_at = ${now} WHERE family_id = ${row.family_id} AND revoked_at IS NULL`;
        return { ok: false, reason: 'reused', userId: row.user_id, familyId: row.family_id };
      }
      if (row.revoked_at !== null || Number(row.expires_at) <= now) return { ok: false, reason: 'invalid' };
      await tx`UPDATE refresh_tokens SET used_at = ${now} WHERE token_hash = ${tokenHash}`;
      await tx`
        INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
        VALUES (${next.tokenHash}, ${row.family_id}, ${row.user_id}, ${next.expiresAt})`;
      return { ok: true, userId: row.user_id, familyId: row.family_id };
    });
  }

  async revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null> {
    const [row] = await this.#db.sql<{ family_id: string; user_id: string }[]>`
      SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ${tokenHash}`;
    if (!row) return null;
    await this.#db.sql`
      UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
      WHERE family_id = ${row.family_id}`;
    return { userId: row.user_id, familyId: row.family_id };
  }

  async refreshFamilyRevoked(familyId: string): Promise<boolean> {
    const rows = await this.#db.sql`
      SELECT 1 FROM refresh_tokens WHERE family_id = ${familyId} AND revoked_at IS NOT NULL LIMIT 1`;
    return rows.length > 0;
  }
}

/** Thrown inside `createAccount`'s transaction when the username is taken, so the user row rolls back with it. */
class UsernameTaken extends Error {}
