import type Database from 'better-sqlite3';

/**
 * One better-sqlite3 connection as the repositories share it: each statement prepared once
 * and reused, and `transaction(fn)` running `fn` in one immediate transaction. Everything is
 * synchronous, so a transaction runs to completion on the event loop with nothing awaited.
 */
export class SqliteDb {
  readonly #stmts = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  #stmt(sql: string): Database.Statement {
    let stmt = this.#stmts.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.#stmts.set(sql, stmt);
    }
    return stmt;
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.#stmt(sql).all(...params) as T[];
  }

  run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.#stmt(sql).run(...params);
  }

  /** Runs `fn` in a `BEGIN IMMEDIATE` transaction: the write lock is taken first, so two writers never deadlock on an upgrade. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
