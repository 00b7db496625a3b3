import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store, StoreCapabilities } from '../types.js';
import { SqliteContacts } from './contacts.js';
import { SqliteConversations } from './conversations.js';
import { SqliteDb } from './db.js';
import { SqliteDeliveries } from './deliveries.js';
import { SqliteDevices } from './devices.js';
import { SqliteInbox } from './inbox.js';
import { SqliteMessages } from './messages.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteModeration } from './moderation.js';
import { SqlitePins } from './pins.js';
import { SqlitePrivacy } from './privacy.js';
import { SqlitePushPreferences } from './push-preferences.js';
import { SqliteSafety } from './safety.js';
import { SqliteSearch, SqliteSearchIndex } from './search.js';
import { SqliteUploads } from './uploads.js';
import { SqliteUsers } from './users.js';
import { SqliteWebhooks } from './webhooks.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. Ignored when `database` is given. */
  path?: string;
  /** An open better-sqlite3 database to use instead of opening `path`. The store closes it on `close()`. */
  database?: Database.Database;
  /** Hold the file alone: exclusive locking mode (see below). @default true */
  exclusive?: boolean;
  /** `synchronous` pragma. @default 'full' */
  synchronous?: 'full' | 'normal';
}

/** The SQLite file is held by another process (a running relay): one relay opens it at a time. */
export class SqliteInUseError extends Error {
  constructor(readonly path: string) {
    super(`The SQLite database ${path} is in use by another process: one relay opens it at a time`);
    this.name = 'SqliteInUseError';
  }
}

/**
 * The embedded store. better-sqlite3 is synchronous, so each method runs to completion on
 * the event loop; batching appends (see `GroupCommit`) keeps that to one transaction
 * (and one fsync) per tick.
 */
export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities = {};
  readonly db: Database.Database;
  readonly #db: SqliteDb;
  readonly #searchIndex: SqliteSearchIndex;
  readonly users: SqliteUsers;
  readonly conversations: SqliteConversations;
  readonly messages: SqliteMessages;
  readonly pins: SqlitePins;
  readonly uploads: SqliteUploads;
  readonly contacts: SqliteContacts;
  readonly deliveries: SqliteDeliveries;
  readonly webhooks: SqliteWebhooks;
  readonly inbox: SqliteInbox;
  readonly search: SqliteSearch;
  readonly devices: SqliteDevices;
  readonly pushPreferences: SqlitePushPreferences;
  readonly moderation: SqliteModeration;
  readonly privacy: SqlitePrivacy;
  readonly safety: SqliteSafety;

  constructor(options: SqliteStoreOptions = {}) {
    if (options.database) {
      this.db = options.database;
    } else {
      const path = options.path ?? ':memory:';
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      // A relay restarting waits up to a second for the one before it to let go of the file.
      this.db = new Database(path, { timeout: 1_000 });
    }
    // The relay holds the file alone while it runs (unless told not to): a WAL database in exclusive locking mode
    // keeps its index in the process's memory instead of shared memory, so each read outside a
    // transaction skips the shared locks (about 5 µs of each access check and history page).
    // A second relay on the same file fails to open it instead of serving half the users.
    if (options.exclusive !== false) this.db.pragma('locking_mode = EXCLUSIVE');
    try {
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY') throw err;
      this.db.close();
      throw new SqliteInUseError(this.db.name);
    }
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // 32 MiB of page cache (the default is 2 MiB): keeps the id and (conversation, seq) indexes hot.
    this.db.pragma('cache_size = -32768');
    const db = new SqliteDb(this.db);
    this.#db = db;
    this.#searchIndex = new SqliteSearchIndex(db);
    this.users = new SqliteUsers(db);
    this.conversations = new SqliteConversations(db);
    this.messages = new SqliteMessages(db, this.#searchIndex);
    this.pins = new SqlitePins(db);
    this.uploads = new SqliteUploads(db);
    this.contacts = new SqliteContacts(db);
    this.deliveries = new SqliteDeliveries(db);
    this.webhooks = new SqliteWebhooks(db);
    this.inbox = new SqliteInbox(db);
    this.search = new SqliteSearch(db, this.#searchIndex);
    this.devices = new SqliteDevices(db);
    this.pushPreferences = new SqlitePushPreferences(db);
    this.moderation = new SqliteModeration(db);
    this.privacy = new SqlitePrivacy(db);
    this.safety = new SqliteSafety(db);
  }

  async migrate(): Promise<void> {
    this.#db.transaction(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      SQLITE_MIGRATIONS.slice(current).forEach((sql, index) => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${current + index + 1}`);
      });
    });
  }

  async ping(): Promise<void> {
    this.#db.get('SELECT 1');
  }

  async close(): Promise<void> {
    this.#searchIndex.close();
    if (this.db.open) this.db.close();
  }
}
