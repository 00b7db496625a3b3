import type { User } from '@chat4all/protocol';
import { iso } from '../../shared/time.js';
import type { DirectoryCursor } from '../repositories/users.js';
import { parseMetadata } from './metadata.js';

/**
 * Column shapes shared by the SQL adapters; times are epoch milliseconds, metadata is JSON
 * text. PostgreSQL `bigint` columns may arrive as strings (the `postgres` client's default
 * for int8), so times go through `Number()`.
 */
export interface UserRow {
  id: string;
  display_name: string | null;
  avatar_url: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** `text` with LIKE's wildcards (`%`, `_`) and its escape (`\`) escaped, to match as written. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A page of the directory from its rows (each with the sort name it was ordered by), and where the next starts when it is full. */
export function directoryPage(
  rows: Array<UserRow & { sort_name: string }>,
  limit: number,
): { users: User[]; next: DirectoryCursor | null } {
  const last = rows.at(-1);
  return { users: rows.map(toUser), next: last && rows.length === limit ? { name: last.sort_name, id: last.id } : null };
}
