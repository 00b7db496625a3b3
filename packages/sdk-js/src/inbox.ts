import type { ConversationSettings, UnreadTotal, UpdateConversationSettingsBody } from '@chat4all/protocol';
import { type Rest, restPath } from './rest.js';
import type { ReadableStore } from './store.js';

/**
 * `mutedUntil` of a mute with no end: the protocol's `MUTED_FOREVER`, spelled here so the client
 * does not load the protocol's schemas for one string.
 */
export const MUTED_FOREVER = '9999-12-31T23:59:59.999Z';

/**
 * The user's own view of their conversations, which no other member sees: mute, archive, pin
 * to the top, mark unread. Each change goes to the relay, which sends it to every socket of the
 * user (this one too): the conversation list shows it then, on every device.
 */
export interface Inbox {
  /** Unread messages and conversations across all the user's conversations, muted and archived ones left out, as the relay counts them. */
  readonly totals: ReadableStore<UnreadTotal>;
  /**
   * Changes the user's settings of a conversation, fields left out staying as they are: `mutedUntil` (an ISO time, `MUTED_FOREVER`
   * for no end, `null` to unmute), `archived`, `pinned`, `markedUnread`. Resolves with the settings as they now are.
   */
  update(conversationId: string, changes: UpdateConversationSettingsBody): Promise<ConversationSettings>;
}

export function createInbox(rest: Rest, totals: ReadableStore<UnreadTotal>): Inbox {
  return {
    totals,
    update: (conversationId, changes) => rest.request('PATCH', restPath`/v1/conversations/${conversationId}/settings`, changes),
  };
}
