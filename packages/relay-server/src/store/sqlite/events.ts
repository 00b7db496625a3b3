import type { StoredEventType } from '../repositories/conversations.js';
import type { SqliteDb } from './db.js';

/** Advances the conversation's event counter and logs the change; returns the new event seq. */
export function recordEvent(
  db: SqliteDb,
  conversationId: string,
  type: StoredEventType,
  messageId: string | null,
  userId: string | null,
  now: number,
): number {
  const row = db.get<{ last_event_seq: number }>(
    'UPDATE conversations SET last_event_seq = last_event_seq + 1 WHERE id = ? RETURNING last_event_seq',
    conversationId,
  ) as { last_event_seq: number };
  db.run(
    'INSERT INTO events (conversation_id, event_seq, type, message_id, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    conversationId,
    row.last_event_seq,
    type,
    messageId,
    userId,
    now,
  );
  return row.last_event_seq;
}
