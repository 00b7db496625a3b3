import type { User, UserPage } from '@chat4all/protocol';
import { type Rest, restPath } from './rest.js';
import { type ReadableStore, Store } from './store.js';

/** Profiles of the app's users (display name, avatar, public metadata) and the directory to find them in. */
export interface Users {
  /**
   * A user's profile, loaded on first use and then kept for the client's life (the same store
   * for the same id): null while it loads, and for a user the relay does not know. A load that
   * failed otherwise (offline) is tried again by the next `get`.
   */
  get(userId: string): ReadableStore<User | null>;
  /**
   * The app's user directory (`GET /v1/users`): users whose display name, a word of it, or id
   * starts with `query` (any case), by display name. The next page: the same call with `cursor`
   * set to the page's `nextCursor`. Each search counts against the user's search limit.
   */
  search(query: string, options?: { limit?: number; cursor?: string }): Promise<UserPage>;
}

export function createUsers(rest: Rest, warn: (message: string, error: unknown) => void): Users {
  const profiles = new Map<string, Store<User | null>>();
  const remember = (user: User) => {
    const held = profiles.get(user.id);
    if (held) held.set(user);
    else profiles.set(user.id, new Store<User | null>(user));
  };
  return {
    get(userId) {
      let profile = profiles.get(userId);
      if (!profile) {
        const created = new Store<User | null>(null);
        profile = created;
        profiles.set(userId, created);
        rest.request<User>('GET', restPath`/v1/users/${userId}`).then(
          (user) => created.set(user),
          (error: unknown) => {
            // A user the relay does not know stays null; any other failure is asked again by the next `get`.
            if ((error as { code?: string }).code === 'USER_NOT_FOUND') return;
            warn(`loading user ${userId} failed`, error);
            if (profiles.get(userId) === created) profiles.delete(userId);
          },
        );
      }
      return profile;
    },
    async search(query, options = {}) {
      const params = new URLSearchParams({ query });
      if (options.limit !== undefined) params.set('limit', String(options.limit));
      if (options.cursor !== undefined) params.set('cursor', options.cursor);
      const page = await rest.request<UserPage>('GET', `/v1/users?${params}`);
      // What a search found is what `get` would load.
      for (const user of page.users) remember(user);
      return page;
    },
  };
}
