import type { Metadata, User } from '@chat4all/protocol';
import { directoryPage, escapeLike, toUser, type UserRow } from '../rows/users.js';
import type { DirectoryCursor, RefreshFamily, RefreshRotation, RefreshTokenRecord, UserInput, UsersRepository } from '../types.js';
import type { SqliteDb } from './db.js';

/** Users, logins and refresh tokens in SQLite. */
export class SqliteUsers implements UsersRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async upsert(input: UserInput, now: number): Promise<User> {
    const row = this.#db.get<UserRow>(
      `INSERT INTO users (id, display_name, avatar_url, metadata, private_metadata, created_at, updated_at)
       VALUES (@id, @displayName, @avatarUrl, @metadata, @privateMetadata, @now, @now)
       ON CONFLICT (id) DO UPDATE SET
         display_name = CASE WHEN @setDisplayName THEN excluded.display_name ELSE display_name END,
         avatar_url = CASE WHEN @setAvatarUrl THEN excluded.avatar_url ELSE avatar_url END,
         metadata = CASE WHEN @setMetadata THEN excluded.metadata ELSE metadata END,
         private_metadata = CASE WHEN @setPrivateMetadata THEN excluded.private_metadata ELSE private_metadata END,
         updated_at = excluded.updated_at
       RETURNING *`,
      {
        id: input.id,
        displayName: input.displayName ?? null,
        avatarUrl: input.avatarUrl ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        privateMetadata: JSON.stringify(input.privateMetadata ?? {}),
        now,
        setDisplayName: input.displayName === undefined ? 0 : 1,
        setAvatarUrl: input.avatarUrl === undefined ? 0 : 1,
        setMetadata: input.metadata === undefined ? 0 : 1,
        setPrivateMetadata: input.privateMetadata === undefined ? 0 : 1,
      },
    );
    return toUser(row as UserRow);
  }

  async privateMetadata(id: string): Promise<Metadata | null> {
    const row = this.#db.get<{ private_metadata: string }>('SELECT private_metadata FROM users WHERE id = ?', id);
    return row ? (JSON.parse(row.private_metadata) as Metadata) : null;
  }

  async ensure(id: string, displayName: string | null, now: number): Promise<boolean> {
    const result = this.#db.run(
      'INSERT INTO users (id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
      id,
      displayName,
      now,
      now,
    );
    return result.changes > 0;
  }

  async get(id: string): Promise<User | null> {
    const row = this.#db.get<UserRow>('SELECT * FROM users WHERE id = ?', id);
    return row ? toUser(row) : null;
  }

  async directory(prefix: string, after: DirectoryCursor | null, limit: number) {
    const like = `${escapeLike(prefix)}%`;
    const rows = this.#db.all<UserRow & { sort_name: string }>(
      `SELECT u.*, lower(COALESCE(NULLIF(u.display_name, ''), u.id)) AS sort_name FROM users u
       WHERE u.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = u.id)
         AND (@prefix = '' OR lower(u.id) LIKE lower(@like) ESCAPE '\\' OR lower(u.display_name) LIKE lower(@like) ESCAPE '\\'
              OR lower(u.display_name) LIKE '% ' || lower(@like) ESCAPE '\\')
         AND (@afterName IS NULL OR sort_name > @afterName OR (sort_name = @afterName AND u.id > @afterId))
       ORDER BY sort_name, u.id
       LIMIT @limit`,
      { prefix, like, afterName: after?.name ?? null, afterId: after?.id ?? '', limit },
    );
    return directoryPage(rows, limit);
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = this.#db.all<{ id: string }>(
      'SELECT value AS id FROM json_each(?) WHERE value IN (SELECT id FROM users)',
      JSON.stringify(ids),
    );
    return new Set(rows.map((row) => row.id));
  }

  async createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false> {
    return this.#db.transaction(() => {
      if (this.#db.get('SELECT 1 FROM accounts WHERE username = ?', input.username)) return false;
      const row = this.#db.get<UserRow>(
        'INSERT INTO users (id, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING *',
        input.userId,
        input.displayName,
        now,
        now,
      ) as UserRow;
      this.#db.run(
        'INSERT INTO accounts (username, user_id, password_hash, created_at) VALUES (?, ?, ?, ?)',
        input.username,
        input.userId,
        input.passwordHash,
        now,
      );
      return toUser(row);
    });
  }

  async getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null> {
    const row = this.#db.get<{ user_id: string; password_hash: string }>(
      'SELECT user_id, password_hash FROM accounts WHERE username = ?',
      username,
    );
    return row ? { userId: row.user_id, passwordHash: row.password_hash } : null;
  }

  async insertRefreshToken(record: RefreshTokenRecord): Promise<void> {
    this.#db.run(
      'INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)',
      record.tokenHash,
      record.familyId,
      record.userId,
      record.expiresAt,
    );
  }

  async rotateRefreshToken(
    tokenHash: string,
    next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>,
    now: number,
  ): Promise<RefreshRotation> {
    return this.#db.transaction((): RefreshRotation => {
      const row = this.#db.get<{
        family_id: string;
        user_id: string;
        expires_at: number;
        used_at: number | null;
        revoked_at: number | null;
      }>('SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?', tokenHash);
      if (!row) return { ok: false, reason: 'invalid' };
      if (row.used_at !== null) {
        this.#db.run('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL', now, row.family_id);
        return { ok: false, reason: 'reused', userId: row.user_id, familyId: row.family_id };
      }
      if (row.revoked_at !== null || row.expires_at <= now) return { ok: false, reason: 'invalid' };
      this.#db.run('UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?', now, tokenHash);
      this.#db.run(
        'INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (?, ?, ?, ?)',
        next.tokenHash,
        row.family_id,
        row.user_id,
        next.expiresAt,
      );
      return { ok: true, userId: row.user_id, familyId: row.family_id };
    });
  }

  async revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null> {
    const row = this.#db.get<{ family_id: string; user_id: string }>(
      'SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = ?',
      tokenHash,
    );
    if (!row) return null;
    this.#db.run(
      `UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, unixepoch('subsec') * 1000) WHERE family_id = ?`,
      row.family_id,
    );
    return { userId: row.user_id, familyId: row.family_id };
  }

  async refreshFamilyRevoked(familyId: string): Promise<boolean> {
    return (
      this.#db.get<{ one: number }>(
        'SELECT 1 AS one FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NOT NULL LIMIT 1',
        familyId,
      ) !== undefined
    );
  }
}
