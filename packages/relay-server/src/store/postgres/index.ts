import postgres from 'postgres';
import type { Store, StoreCapabilities } from '../types.js';
import { PostgresContacts } from './contacts.js';
import { PostgresConversations } from './conversations.js';
import { PostgresDb, type Sql } from './db.js';
import { PostgresDeliveries } from './deliveries.js';
import { PostgresDevices } from './devices.js';
import { PostgresInbox } from './inbox.js';
import { PostgresMessages } from './messages.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PostgresModeration } from './moderation.js';
import { PostgresPins } from './pins.js';
import { PostgresPrivacy } from './privacy.js';
import { PostgresPushPreferences } from './push-preferences.js';
import { PostgresSafety } from './safety.js';
import { PostgresSearch } from './search.js';
import { PostgresUploads } from './uploads.js';
import { PostgresUsers } from './users.js';
import { PostgresWebhooks } from './webhooks.js';

export interface PostgresStoreOptions {
  /** Connection URL (`postgres://user:pass@host:5432/db`). Ignored when `sql` is given. */
  url?: string;
  /**
   * A `postgres` client to use instead of opening `url`. The store does not end it on
   * `close()`. Give it `connection: { plan_cache_mode: 'force_custom_plan' }`, as the store's
   * own client has (see docs/scaling.md).
   */
  sql?: Sql;
  /** Pool size when the store opens its own client. @default 10 */
  max?: number;
  /**
   * Schema holding the tables; created by `migrate()` when missing. With your own `sql`,
   * set its `search_path` to the same schema. @default the connection's search_path ('public')
   */
  schema?: string;
}
/** Any constant: it only has to be the same for every relay migrating the same database. */
const MIGRATION_LOCK = 0x63346131;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The scale-out store. Any number of relay nodes share it. Appends arrive in batches (the
 * relay's group commit) and each batch is one transaction: conversation rows locked in id
 * order (no deadlock between nodes), seqs assigned from the locked counters, one
 * multi-row insert, one counter update per conversation.
 */
export class PostgresStore implements Store {
  readonly capabilities: StoreCapabilities = {};
  readonly sql: Sql;
  readonly #owned: boolean;
  readonly users: PostgresUsers;
  readonly conversations: PostgresConversations;
  readonly messages: PostgresMessages;
  readonly pins: PostgresPins;
  readonly uploads: PostgresUploads;
  readonly contacts: PostgresContacts;
  readonly deliveries: PostgresDeliveries;
  readonly webhooks: PostgresWebhooks;
  readonly inbox: PostgresInbox;
  readonly search: PostgresSearch;
  readonly devices: PostgresDevices;
  readonly pushPreferences: PostgresPushPreferences;
  readonly moderation: PostgresModeration;
  readonly privacy: PostgresPrivacy;
  readonly safety: PostgresSafety;

  readonly #schema: string | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
      throw new TypeError(`schema must match ${SCHEMA_NAME}: ${options.schema}`);
    this.#schema = options.schema;
    if (options.sql) {
      this.sql = options.sql;
      this.#owned = false;
    } else {
      if (!options.url) throw new TypeError('PostgresStore needs `url` or `sql`');
      this.sql = postgres(options.url, {
        max: options.max ?? 10,
        onnotice: () => {},
        // int8 (times in ms) as numbers: epoch milliseconds stay exact far past year 200000.
        types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
        connection: {
          // Named so operators (and pg_stat_activity) can tell the relay's connections apart.
          application_name: options.schema ? `chat4all-relay:${options.schema}` : 'chat4all-relay',
          // Each batch is planned for the rows it looks up. A generic plan made while a table is
          // still small (a new deployment) seq-scans it for every id of a batch until the next
          // ANALYZE: appends then slow down with the table's size.
          plan_cache_mode: 'force_custom_plan',
          ...(options.schema ? { search_path: options.schema } : {}),
        },
      });
      this.#owned = true;
    }
    const db = new PostgresDb(this.sql);
    this.users = new PostgresUsers(db);
    this.conversations = new PostgresConversations(db);
    this.messages = new PostgresMessages(db);
    this.pins = new PostgresPins(db);
    this.uploads = new PostgresUploads(db);
    this.contacts = new PostgresContacts(db, this.conversations);
    this.deliveries = new PostgresDeliveries(db);
    this.webhooks = new PostgresWebhooks(db);
    this.inbox = new PostgresInbox(db);
    this.search = new PostgresSearch(db);
    this.devices = new PostgresDevices(db);
    this.pushPreferences = new PostgresPushPreferences(db);
    this.moderation = new PostgresModeration(db);
    this.privacy = new PostgresPrivacy(db);
    this.safety = new PostgresSafety(db);
  }

  async migrate(): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      if (this.#schema) {
        await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
        await tx.unsafe(`SET LOCAL search_path TO ${this.#schema}`);
      }
      await tx`CREATE TABLE IF NOT EXISTS chat4all_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
      const [row] = await tx<{ version: number }[]>`SELECT COALESCE(MAX(version), 0)::int AS version FROM chat4all_migrations`;
      const current = row?.version ?? 0;
      for (const [index, migration] of POSTGRES_MIGRATIONS.entries()) {
        if (index < current) continue;
        await tx.unsafe(migration);
        await tx`INSERT INTO chat4all_migrations (version) VALUES (${index + 1})`;
      }
    });
  }

  async ping(): Promise<void> {
    await this.sql`SELECT 1`;
  }

  async close(): Promise<void> {
    if (this.#owned) await this.sql.end({ timeout: 5 });
  }
}
