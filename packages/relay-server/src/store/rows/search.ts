import type { SearchInput } from '../repositories/search.js';
import { MESSAGE_COLUMNS } from './messages.js';

/** The message columns qualified by the alias `m`, for queries that join messages with other tables. */
export const M_COLUMNS = MESSAGE_COLUMNS.split(', ')
  .map((column) => `m.${column}`)
  .join(', ');

/**
 * The filters of a search besides its terms, as SQL conditions on `m` (messages) with named
 * parameters `@name`; the same for both stores, which bind them their own way. Only the shape
 * of the input chooses the text, so each adapter prepares a handful of statements at most.
 */
export function searchFilters(input: SearchInput): { conditions: string[]; params: Record<string, string | number> } {
  const conditions: string[] = ['m.deleted_at IS NULL'];
  const params: Record<string, string | number> = { userId: input.userId, limit: input.limit };
  if (input.conversationId !== undefined) {
    conditions.push('m.conversation_id = @conversationId');
    params.conversationId = input.conversationId;
  }
  if (input.senderId !== undefined) {
    conditions.push('m.sender_id = @senderId');
    params.senderId = input.senderId;
  }
  if (input.hasFile !== undefined) conditions.push(input.hasFile ? 'm.attachment IS NOT NULL' : 'm.attachment IS NULL');
  if (input.after !== undefined) {
    conditions.push('m.created_at > @after');
    params.after = input.after;
  }
  if (input.before !== undefined) {
    conditions.push('m.created_at < @before');
    params.before = input.before;
  }
  if (input.cursor) {
    conditions.push('(m.created_at < @cursorAt OR (m.created_at = @cursorAt AND m.id < @cursorId))');
    params.cursorAt = input.cursor.createdAt;
    params.cursorId = input.cursor.id;
  }
  return { conditions, params };
}
