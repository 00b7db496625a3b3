import { type Static, Type } from '@sinclair/typebox';

/**
 * What a user is notified of on their push devices (`GET /v1/me/push-preferences`). A
 * message notifies for the first of these that applies to it and is on: a mention of the
 * user (by id or `mentionsAll`), a reply in a thread they take part in (they wrote its root
 * or a reply in it), any other message that shows in the conversation. A muted conversation
 * notifies of nothing, except a mention when `mutedMentions` and `mentions` are both on.
 */
export const PushPreferences = Type.Object({
  /** Every message that shows in the conversation (thread replies sent also to the conversation included). */
  messages: Type.Boolean(),
  /** Messages that mention the user, by id or with `mentionsAll`. */
  mentions: Type.Boolean(),
  /** Replies in threads the user wrote the root of or replied in. */
  threadReplies: Type.Boolean(),
  /** A mention in a conversation the user muted still notifies; the relay's `push.mentionsInMutedConversations` until the user sets it. */
  mutedMentions: Type.Boolean(),
});
export type PushPreferences = Static<typeof PushPreferences>;

/** `PUT /v1/me/push-preferences`: the fields given replace the user's own, the others keep their value. */
export const UpdatePushPreferencesBody = Type.Object(
  {
    messages: Type.Optional(Type.Boolean()),
    mentions: Type.Optional(Type.Boolean()),
    threadReplies: Type.Optional(Type.Boolean()),
    mutedMentions: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdatePushPreferencesBody = Static<typeof UpdatePushPreferencesBody>;
