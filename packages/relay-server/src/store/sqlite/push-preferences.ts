import { DEVICE_COLUMNS } from '../rows/devices.js';
import { RECIPIENT_PREFERENCE_COLUMNS, type RecipientRow, toRecipient } from '../rows/push-preferences.js';
import type { PushAudienceQuery, PushPreferencesRepository, PushRecipient, StoredPushPreferences } from '../types.js';
import type { SqliteDb } from './db.js';

interface PreferencesRow {
  messages: number;
  mentions: number;
  thread_replies: number;
  muted_mentions: number | null;
}

/** Push preferences in SQLite. */
export class SqlitePushPreferences implements PushPreferencesRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async get(userId: string): Promise<StoredPushPreferences | null> {
    const row = this.#db.get<PreferencesRow>(
      'SELECT messages, mentions, thread_replies, muted_mentions FROM push_preferences WHERE user_id = ?',
      userId,
    );
    if (!row) return null;
    return {
      messages: row.messages === 1,
      mentions: row.mentions === 1,
      threadReplies: row.thread_replies === 1,
      mutedMentions: row.muted_mentions === null ? null : row.muted_mentions === 1,
    };
  }

  async put(userId: string, preferences: StoredPushPreferences, now: number): Promise<void> {
    const { messages, mentions, threadReplies, mutedMentions } = preferences;
    this.#db.run(
      `INSERT INTO push_preferences (user_id, messages, mentions, thread_replies, muted_mentions, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET messages = excluded.messages, mentions = excluded.mentions,
         thread_replies = excluded.thread_replies, muted_mentions = excluded.muted_mentions, updated_at = excluded.updated_at`,
      userId,
      Number(messages),
      Number(mentions),
      Number(threadReplies),
      mutedMentions === null ? null : Number(mutedMentions),
      now,
    );
  }

  async recipients({ conversationId, senderId, threadId, now }: PushAudienceQuery): Promise<PushRecipient[]> {
    return this.#db
      .all<RecipientRow>(
        `SELECT ${DEVICE_COLUMNS}, ${RECIPIENT_PREFERENCE_COLUMNS},
           (m.muted_until IS NOT NULL AND m.muted_until > ?) AS muted,
           (? IS NOT NULL AND (
             EXISTS (SELECT 1 FROM messages r WHERE r.id = ? AND r.sender_id = m.user_id)
             OR EXISTS (SELECT 1 FROM messages r WHERE r.conversation_id = m.conversation_id AND r.thread_id = ? AND r.sender_id = m.user_id)
           )) AS participant
         FROM members m JOIN push_devices d ON d.user_id = m.user_id LEFT JOIN push_preferences p ON p.user_id = m.user_id
         WHERE m.conversation_id = ? AND m.user_id IS NOT ?`,
        now,
        threadId,
        threadId,
        threadId,
        conversationId,
        senderId,
      )
      .map(toRecipient);
  }
}
