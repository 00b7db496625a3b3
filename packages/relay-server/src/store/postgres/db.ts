import type postgres from 'postgres';
import type { StoredEventType } from '../repositories/conversations.js';
import { MESSAGE_COLUMNS, type MessageRow } from '../rows/messages.js';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** What both a pool and a transaction can run. */
export type Query = Sql | Tx;

/** The `postgres` client as the repositories share it, and `transaction(fn)`: `fn` runs in one transaction on one connection. */
export class PostgresDb {
  constructor(readonly sql: Sql) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin(fn) as Promise<T>;
  }
}

export async function messageRow(q: Query, conversationId: string, messageId: string): Promise<MessageRow | undefined> {
  const [row] = await q<MessageRow[]>`
    SELECT ${q.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE id = ${messageId} AND conversation_id = ${conversationId}`;
  return row;
}

/** Advances the conversation's event counter and logs the change; null when the conversation does not exist. */
export async function recordEvent(
  tx: Tx,
  conversationId: string,
  type: StoredEventType,
  messageId: string | null,
  userId: string | null,
  now: number,
): Promise<number | null> {
  const [row] = await tx<{ event_seq: number }[]>`
    WITH bumped AS (
      UPDATE conversations SET last_event_seq = last_event_seq + 1 WHERE id = ${conversationId} RETURNING last_event_seq
    )
    INSERT INTO events (conversation_id, event_seq, type, message_id, user_id, created_at)
    SELECT ${conversationId}, last_event_seq, ${type}, ${messageId}, ${userId}, ${now} FROM bumped
    RETURNING event_seq`;
  return row ? row.event_seq : null;
}
