import { describe, expect, it } from 'vitest';
import { contactsContract } from './contacts.js';
import { conversationsContract } from './conversations.js';
import { deliveriesContract } from './deliveries.js';
import { devicesContract } from './devices.js';
import { type StoreFactory, storeFixture } from './fixture.js';
import { inboxContract } from './inbox.js';
import { mentionsContract } from './mentions.js';
import { messagesContract } from './messages.js';
import { moderationContract } from './moderation.js';
import { pinsContract } from './pins.js';
import { privacyContract } from './privacy.js';
import { pushPreferencesContract } from './push-preferences.js';
import { safetyContract } from './safety.js';
import { searchContract } from './search.js';
import { threadsContract } from './threads.js';
import { uploadsContract } from './uploads.js';
import { usersContract } from './users.js';
import { webhooksContract } from './webhooks.js';

export type { StoreFactory } from './fixture.js';

/**
 * The behaviour every `Store` adapter must have, one suite per repository. An adapter's test file is:
 *
 * ```ts
 * import { storeContract } from '@chat4all/relay-server/testing';
 * storeContract('postgres', () => new PostgresStore({ sql }));
 * ```
 */
export function storeContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    const fixture = storeFixture(makeStore);

    it('migrates twice without harm and answers ping', async () => {
      await fixture.store.migrate();
      await expect(fixture.store.ping()).resolves.toBeUndefined();
    });

    usersContract(fixture);
    conversationsContract(fixture);
    messagesContract(fixture);
    mentionsContract(fixture);
    threadsContract(fixture);
    pinsContract(fixture);
    uploadsContract(fixture);
    contactsContract(fixture);
    deliveriesContract(fixture);
    webhooksContract(fixture);
    inboxContract(fixture);
    searchContract(fixture);
    devicesContract(fixture);
    pushPreferencesContract(fixture);
    moderationContract(fixture);
    privacyContract(fixture);
    safetyContract(fixture);
  });
}
