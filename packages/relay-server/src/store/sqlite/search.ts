import { type MessageRow, toMessage } from '../rows/messages.js';
import { M_COLUMNS, searchFilters } from '../rows/search.js';
import type { SearchInput, SearchRepository, SearchTerm } from '../types.js';
import type { SqliteDb } from './db.js';

/**
 * Each term as an FTS5 string (`"word"`, or `"word"*` for a prefix), ANDed by juxtaposition.
 * Quoted, no character of a term is FTS5 syntax (`NEAR`, `:`, `-`, `^` are plain text inside
 * quotes); a quote inside one is doubled, as FTS5 reads strings.
 */
export function fts5Match(terms: readonly SearchTerm[]): string {
  return terms.map(({ word, prefix }) => `"${word.replaceAll('"', '""')}"${prefix ? '*' : ''}`).join(' ');
}

/** Full-text search in SQLite: the `messages_fts` FTS5 index joined to the messages and the user's memberships. */
export class SqliteSearch implements SearchRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async messages(input: SearchInput) {
    const { conditions, params } = searchFilters(input);
    const rows = this.#db.all<MessageRow>(
      `SELECT ${M_COLUMNS} FROM messages_fts f
       JOIN messages m ON m.rowid = f.rowid
       JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = @userId
       WHERE messages_fts MATCH @match AND ${conditions.join(' AND ')}
       ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
      { ...params, match: fts5Match(input.terms) },
    );
    return rows.map(toMessage);
  }
}
