import type { Pin } from '@chat4all/protocol';
import { iso, isoOrNull } from '../../shared/time.js';
import { MESSAGE_COLUMNS, type MessageRow, toMessage } from './messages.js';

/** A pin joined with its message: the message's columns (as `m`), then the pin's. */
export const PIN_COLUMNS = `${MESSAGE_COLUMNS.split(', ')
  .map((column) => `m.${column}`)
  .join(', ')}, p.pinned_by, p.pinned_at, p.expires_at`;

export interface PinRow extends MessageRow {
  pinned_by: string | null;
  pinned_at: number;
  expires_at: number | null;
}

export function toPin(row: PinRow): Pin {
  return {
    conversationId: row.conversation_id,
    messageId: row.id,
    pinnedBy: row.pinned_by,
    pinnedAt: iso(row.pinned_at),
    expiresAt: isoOrNull(row.expires_at),
    message: toMessage(row),
  };
}
