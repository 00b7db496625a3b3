import type { ConversationSettings } from '@chat4all/protocol';

/** A member's own settings as stored: epoch ms times, `null` for not muted or not pinned. */
export interface SettingsFacts {
  mutedUntil: number | null;
  archived: boolean;
  pinnedAt: number | null;
  markedUnread: boolean;
}

/** A change to a member's own settings; fields left out stay as they are. */
export interface SettingsPatch {
  mutedUntil?: number | null;
  archived?: boolean;
  pinned?: boolean;
  markedUnread?: boolean;
}

export interface SettingsInput {
  conversationId: string;
  userId: string;
  patch: SettingsPatch;
  now: number;
}

/**
 * The settings after a patch (`inbox/settings.ts`), given the current ones and how many
 * conversations the user has pinned; `null` when nothing changes, or the code refusing it.
 */
export type PlanSettings = (
  current: SettingsFacts,
  pinnedCount: number,
  input: SettingsInput,
) => SettingsFacts | null | 'TOO_MANY_PINNED_CONVERSATIONS';

export type SettingsOutcome =
  | { ok: true; settings: ConversationSettings; eventSeq: number | null }
  | { ok: false; code: 'CONVERSATION_NOT_FOUND' | 'TOO_MANY_PINNED_CONVERSATIONS' };

export interface UnreadTotals {
  messages: number;
  conversations: number;
}

/** Each member's own view of their conversations: settings no other member sees, and their unread totals. */
export interface InboxRepository {
  /** The member's settings; null when not a member. */
  settings(conversationId: string, userId: string): Promise<ConversationSettings | null>;
  /**
   * Reads the member's settings and pinned count, plans the change, and writes it in one
   * transaction; a change records a `settings.updated` event (the user's own) and returns its seq.
   */
  updateSettings(input: SettingsInput, plan: PlanSettings): Promise<SettingsOutcome>;
  /** Clears `markedUnread` when set (a read receipt), with a `settings.updated` event; null when it was not set. */
  clearMarkedUnread(
    conversationId: string,
    userId: string,
    now: number,
  ): Promise<{ settings: ConversationSettings; eventSeq: number } | null>;
  /**
   * In one query: unread messages the user did not write, and conversations with any or
   * marked unread, over their conversations neither archived nor muted at `now`.
   */
  unreadTotals(userId: string, now: number): Promise<UnreadTotals>;
}
