import type { PushRecipient } from '../repositories/push-preferences.js';
import { type DeviceRow, toDevice } from './devices.js';

/** The preference columns of a `recipients` row; a member without a row reads as null in each, which means the default. */
export const RECIPIENT_PREFERENCE_COLUMNS =
  'p.messages AS pref_messages, p.mentions AS pref_mentions, p.thread_replies AS pref_thread_replies, p.muted_mentions AS pref_muted_mentions';

/** Booleans as either store returns them: SQLite integers, PostgreSQL booleans. */
type Flag = boolean | number | null;

export interface RecipientRow extends DeviceRow {
  muted: Flag;
  participant: Flag;
  pref_messages: Flag;
  pref_mentions: Flag;
  pref_thread_replies: Flag;
  pref_muted_mentions: Flag;
}

const flag = (value: Flag, fallback: boolean): boolean => (value === null ? fallback : Boolean(value));

export function toRecipient(row: RecipientRow): PushRecipient {
  return {
    device: toDevice(row),
    muted: flag(row.muted, false),
    participant: flag(row.participant, false),
    preferences: {
      messages: flag(row.pref_messages, true),
      mentions: flag(row.pref_mentions, true),
      threadReplies: flag(row.pref_thread_replies, true),
      mutedMentions: row.pref_muted_mentions === null ? null : Boolean(row.pref_muted_mentions),
    },
  };
}
