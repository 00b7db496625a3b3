import type { Metadata, User } from '@chat4all/protocol';

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  userId: string;
  expiresAt: number;
}

/** A refresh-token family: every token descended from one login. */
export interface RefreshFamily {
  userId: string;
  familyId: string;
}

/** On reuse, the family that was revoked, so the relay can close its sockets. */
export type RefreshRotation =
  | ({ ok: true } & RefreshFamily)
  | { ok: false; reason: 'invalid' }
  | ({ ok: false; reason: 'reused' } & RefreshFamily);

export interface UserInput {
  id: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  metadata?: Metadata;
  /** Read back only through the server API key (`users.privateMetadata`), never by other users. */
  privateMetadata?: Metadata;
}

/** Where a page of the user directory starts: after this sort name (lower-cased display name, else id) and id. */
export interface DirectoryCursor {
  name: string;
  id: string;
}

/** Users, the logins of the relay's own auth, and their refresh tokens. */
export interface UsersRepository {
  upsert(input: UserInput, now: number): Promise<User>;
  /** The user's private metadata (for the server API key only), or null for an unknown user. */
  privateMetadata(id: string): Promise<Metadata | null>;
  /** Inserts the user only when missing; returns whether it was created. */
  ensure(id: string, displayName: string | null, now: number): Promise<boolean>;
  get(id: string): Promise<User | null>;
  /**
   * App users (contacts and erased users left out) whose display name, a word of it, or id starts
   * with `prefix` (any case; empty matches all), ordered by display name (else id), then id; `next` is where
   * the following page starts when this one is full.
   */
  directory(prefix: string, after: DirectoryCursor | null, limit: number): Promise<{ users: User[]; next: DirectoryCursor | null }>;
  /** The subset of `ids` that exist. */
  existingIds(ids: readonly string[]): Promise<Set<string>>;
  /** Creates a user and its login in one step; `false` when the username is taken. */
  createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false>;
  getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null>;

  insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically consumes `tokenHash` and stores `next` in the same family. A token consumed
   * twice revokes its whole family (reuse detection); an expired or revoked one is invalid.
   */
  rotateRefreshToken(tokenHash: string, next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>, now: number): Promise<RefreshRotation>;
  /** Revokes the family `tokenHash` belongs to and says which it was; `null` when the token is unknown. */
  revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null>;
  /** Whether the family was revoked (logout or reuse); `false` for a family the store does not know. */
  refreshFamilyRevoked(familyId: string): Promise<boolean>;
}
