import { type MessageRow, toMessage } from '../rows/messages.js';
import { M_COLUMNS, searchFilters } from '../rows/search.js';
import type { SearchInput, SearchRepository, SearchTerm } from '../types.js';
import type { PostgresDb } from './db.js';

/**
 * Each term as a quoted tsquery lexeme (`'word'`, or `'word':*` for a prefix), ANDed. Terms
 * hold only letters, digits and marks, and a quote inside one is doubled besides, so no
 * character of the user's text is read as tsquery syntax.
 */
export function tsQuery(terms: readonly SearchTerm[]): string {
  return terms.map(({ word, prefix }) => `'${word.replaceAll("'", "''").replaceAll('\\', '\\\\')}'${prefix ? ':*' : ''}`).join(' & ');
}

/** Full-text search in PostgreSQL: the generated `messages.search` tsvector and its GIN index, joined to the user's memberships. */
export class PostgresSearch implements SearchRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async messages(input: SearchInput) {
    const { conditions, params } = searchFilters(input);
    const values: Array<string | number> = [];
    // Named parameters become positional ones in the order they appear.
    const numbered = (text: string) =>
      text.replace(/@(\w+)/g, (_, name: string) => {
        const value = name === 'query' ? tsQuery(input.terms) : params[name];
        if (value === undefined) throw new Error(`no value for @${name}`);
        values.push(value);
        return `$${values.length}`;
      });
    const sql = numbered(
      `SELECT ${M_COLUMNS} FROM messages m
       JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = @userId
       WHERE m.search @@ to_tsquery('simple'::regconfig, @query) AND ${conditions.join(' AND ')}
       ORDER BY m.created_at DESC, m.id DESC LIMIT @limit`,
    );
    const rows = await this.#db.sql.unsafe<MessageRow[]>(sql, values);
    return rows.map(toMessage);
  }
}
