import type { StoredDevice } from './devices.js';

/**
 * A user's push preferences as stored; `mutedMentions` is null until the user sets it, so the
 * relay's `push.mentionsInMutedConversations` applies to them.
 */
export interface StoredPushPreferences {
  messages: boolean;
  mentions: boolean;
  threadReplies: boolean;
  mutedMentions: boolean | null;
}

/** The preferences of a user who never set any. */
export const DEFAULT_PUSH_PREFERENCES: StoredPushPreferences = { messages: true, mentions: true, threadReplies: true, mutedMentions: null };

/** What a new message is, as far as choosing whom it notifies goes. */
export interface PushAudienceQuery {
  conversationId: string;
  senderId: string | null;
  /** The thread's root for a reply in a thread: its members who take part in it are marked `participant`. */
  threadId: string | null;
  now: number;
}

/** One device of a member a new message may notify, with what decides whether it does. */
export interface PushRecipient {
  device: StoredDevice;
  /** The member's mute of the conversation is in force at `now`. */
  muted: boolean;
  /** The member wrote the thread's root or a reply in it (false for a message not in a thread). */
  participant: boolean;
  preferences: StoredPushPreferences;
}

/** Each user's push preferences, and the devices a new message may notify. */
export interface PushPreferencesRepository {
  /** The user's preferences; null when they never set any. */
  get(userId: string): Promise<StoredPushPreferences | null>;
  /** Stores the user's preferences whole, replacing what they had. */
  put(userId: string, preferences: StoredPushPreferences, now: number): Promise<void>;
  /**
   * The devices of the conversation's members other than `senderId`, muted or not, each with
   * the member's mute, thread participation and preferences (the defaults for a user without).
   */
  recipients(query: PushAudienceQuery): Promise<PushRecipient[]>;
}
