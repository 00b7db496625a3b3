import type { PushPreferences, UpdatePushPreferencesBody } from '@chat4all/protocol';
import type { RelayConfig } from '../config.js';
import type { Limits } from '../limits/limits.js';
import { DEFAULT_PUSH_PREFERENCES, type StoredPushPreferences } from '../store/repositories/push-preferences.js';
import type { Store } from '../store/types.js';

export interface PushPreferencesServiceOptions {
  config: Pick<RelayConfig['push'], 'mentionsInMutedConversations'>;
  /** Per-user limit of changes (`settings`, shared with the user's conversation settings). */
  rateLimits: Pick<Limits, 'write'>;
}

/** What each user is notified of on their push devices, read and changed by the user themself. */
export class PushPreferencesService {
  constructor(
    private readonly store: Pick<Store, 'pushPreferences'>,
    private readonly options: PushPreferencesServiceOptions,
  ) {}

  async get(userId: string): Promise<PushPreferences> {
    return this.#effective((await this.store.pushPreferences.get(userId)) ?? DEFAULT_PUSH_PREFERENCES);
  }

  /** The fields given replace the user's own; `mutedMentions` once given no longer follows the relay's default. */
  async update(userId: string, body: UpdatePushPreferencesBody): Promise<PushPreferences> {
    const refusal = await this.options.rateLimits.write('settings', userId);
    if (refusal) throw refusal;
    const current = (await this.store.pushPreferences.get(userId)) ?? DEFAULT_PUSH_PREFERENCES;
    const next: StoredPushPreferences = {
      messages: body.messages ?? current.messages,
      mentions: body.mentions ?? current.mentions,
      threadReplies: body.threadReplies ?? current.threadReplies,
      mutedMentions: body.mutedMentions ?? current.mutedMentions,
    };
    await this.store.pushPreferences.put(userId, next, Date.now());
    return this.#effective(next);
  }

  #effective(stored: StoredPushPreferences): PushPreferences {
    return { ...stored, mutedMentions: stored.mutedMentions ?? this.options.config.mentionsInMutedConversations };
  }
}
