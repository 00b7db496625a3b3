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

/** How long after an append the index catches up: everything appended meanwhile goes in together. */
const CATCH_UP_DELAY_MS = 100;
/** Most messages one background catch-up indexes in one transaction, so it never holds the event loop long. */
const CATCH_UP_CHUNK = 2_000;

/**
 * The FTS5 index kept behind the appends rather than in their transactions. FTS5 writes a new
 * index segment for every transaction that adds to it, and merges them as they pile up: indexed
 * in an append's transaction, a message cost more than the rest of its append together. So the
 * messages past `search_state.indexed_rowid` are indexed in batches, shortly after their
 * appends and before every search, which therefore still finds every message acknowledged
 * before it. The triggers keep the index right for the messages already in it: an edit or
 * a delete of one re-indexes or removes it, and a delete lowers the mark to the highest rowid
 * left, so a rowid SQLite hands out again is never one the index believes it holds.
 */
export class SqliteSearchIndex {
  readonly #db: SqliteDb;
  #timer: NodeJS.Timeout | null = null;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  /** After an append: the index catches up shortly, once for everything appended meanwhile. */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#db.db.open) return;
      try {
        if (this.catchUp(CATCH_UP_CHUNK) === CATCH_UP_CHUNK) this.schedule();
      } catch {
        // The database is busy or failing: the next append schedules another catch-up, and a
        // search catches up before it reads, where a failure is answered as the search's own.
      }
    }, CATCH_UP_DELAY_MS);
    this.#timer.unref();
  }

  /** Indexes up to `limit` messages not yet indexed, in one transaction; returns how many. */
  catchUp(limit = Number.MAX_SAFE_INTEGER): number {
    // Read first, so a search with nothing to index takes no write lock.
    const waiting = this.#db.get('SELECT 1 FROM messages WHERE rowid > (SELECT indexed_rowid FROM search_state) LIMIT 1');
    if (waiting === undefined) return 0;
    return this.#db.transaction(() => {
      const mark = this.#db.get<{ indexed_rowid: number }>('SELECT indexed_rowid FROM search_state')?.indexed_rowid ?? 0;
      const last = this.#db.get<{ last: number | null }>(
        'SELECT MAX(rowid) AS last FROM (SELECT rowid FROM messages WHERE rowid > ? ORDER BY rowid LIMIT ?)',
        mark,
        limit,
      )?.last;
      if (last === null || last === undefined) return 0;
      const indexed = this.#db.run(
        'INSERT INTO messages_fts (rowid, text) SELECT rowid, text FROM messages WHERE rowid > ? AND rowid <= ?',
        mark,
        last,
      ).changes;
      this.#db.run('UPDATE search_state SET indexed_rowid = ?', last);
      return indexed;
    });
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** Full-text search in SQLite: the `messages_fts` FTS5 index joined to the messages and the user's memberships. */
export class SqliteSearch implements SearchRepository {
  readonly #db: SqliteDb;
  readonly #index: SqliteSearchIndex;

  constructor(db: SqliteDb, index: SqliteSearchIndex) {
    this.#db = db;
    this.#index = index;
  }

  async messages(input: SearchInput) {
    this.#index.catchUp();
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
