import { DEVICE_COLUMNS } from '../rows/devices.js';
import { RECIPIENT_PREFERENCE_COLUMNS, type RecipientRow, toRecipient } from '../rows/push-preferences.js';
import type { PushAudienceQuery, PushPreferencesRepository, PushRecipient, StoredPushPreferences } from '../types.js';
import type { PostgresDb } from './db.js';

interface PreferencesRow {
  messages: boolean;
  mentions: boolean;
  thread_replies: boolean;
  muted_mentions: boolean | null;
}

/** Push preferences in PostgreSQL. */
export class PostgresPushPreferences implements PushPreferencesRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async get(userId: string): Promise<StoredPushPreferences | null> {
    const [row] = await this.#db.sql<PreferencesRow[]>`
      SELECT messages, mentions, thread_replies, muted_mentions FROM push_preferences WHERE user_id = ${userId}`;
    if (!row) return null;
    return { messages: row.messages, mentions: row.mentions, threadReplies: row.thread_replies, mutedMentions: row.muted_mentions };
  }

  async put(userId: string, preferences: StoredPushPreferences, now: number): Promise<void> {
    const { messages, mentions, threadReplies, mutedMentions } = preferences;
    await this.#db.sql`
      INSERT INTO push_preferences (user_id, messages, mentions, thread_replies, muted_mentions, updated_at)
      VALUES (${userId}, ${messages}, ${mentions}, ${threadReplies}, ${mutedMentions}, ${now})
      ON CONFLICT (user_id) DO UPDATE SET messages = excluded.messages, mentions = excluded.mentions,
        thread_replies = excluded.thread_replies, muted_mentions = excluded.muted_mentions, updated_at = excluded.updated_at`;
  }

  async recipients({ conversationId, senderId, threadId, now }: PushAudienceQuery): Promise<PushRecipient[]> {
    const { sql } = this.#db;
    const rows = await sql<RecipientRow[]>`SELECT ${sql.unsafe(DEVICE_COLUMNS)}, ${sql.unsafe(RECIPIENT_PREFERENCE_COLUMNS)},
        (m.muted_until IS NOT NULL AND m.muted_until > ${now}) AS muted,
        (${threadId}::text IS NOT NULL AND (
          EXISTS (SELECT 1 FROM messages r WHERE r.id = ${threadId} AND r.sender_id = m.user_id)
          OR EXISTS (SELECT 1 FROM messages r WHERE r.conversation_id = m.conversation_id AND r.thread_id = ${threadId} AND r.sender_id = m.user_id)
        )) AS participant
      FROM members m JOIN push_devices d ON d.user_id = m.user_id LEFT JOIN push_preferences p ON p.user_id = m.user_id
      WHERE m.conversation_id = ${conversationId} AND m.user_id IS DISTINCT FROM ${senderId}`;
    return rows.map(toRecipient);
  }
}
