import type { ContactsRepository } from './repositories/contacts.js';
import type { ConversationsRepository } from './repositories/conversations.js';
import type { DeliveriesRepository } from './repositories/deliveries.js';
import type { DevicesRepository } from './repositories/devices.js';
import type { InboxRepository } from './repositories/inbox.js';
import type { MessagesRepository } from './repositories/messages.js';
import type { ModerationRepository } from './repositories/moderation.js';
import type { PinsRepository } from './repositories/pins.js';
import type { PrivacyRepository } from './repositories/privacy.js';
import type { PushPreferencesRepository } from './repositories/push-preferences.js';
import type { SafetyRepository } from './repositories/safety.js';
import type { SearchRepository } from './repositories/search.js';
import type { UploadsRepository } from './repositories/uploads.js';
import type { UsersRepository } from './repositories/users.js';
import type { WebhooksRepository } from './repositories/webhooks.js';

export type * from './repositories/contacts.js';
export type * from './repositories/conversations.js';
export type * from './repositories/deliveries.js';
export type * from './repositories/devices.js';
export type * from './repositories/inbox.js';
export type * from './repositories/messages.js';
export type * from './repositories/moderation.js';
export type * from './repositories/pins.js';
export type * from './repositories/privacy.js';
export type * from './repositories/push-preferences.js';
export type * from './repositories/safety.js';
export type * from './repositories/search.js';
export type * from './repositories/uploads.js';
export type * from './repositories/users.js';
export type * from './repositories/webhooks.js';

/**
 * Optional features an adapter declares instead of being detected by class. The contract
 * suite skips tests by capability, never by adapter name. Empty for now: every adapter
 * implements the whole interface.
 */
export type StoreCapabilities = Record<string, never>;

/**
 * Everything the relay keeps durably, one repository per aggregate. Adapters: SQLite
 * (embedded default) and PostgreSQL. Every adapter passes `storeContract` from
 * `@chat4all/relay-server/testing`.
 *
 * Methods return `null`/`false` for "not there" and throw only for real failures; the
 * relay's services turn absences into error codes.
 */
export interface Store {
  readonly capabilities: StoreCapabilities;
  /** Creates or upgrades the schema. Safe to run on every start and concurrently with itself. */
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  readonly users: UsersRepository;
  readonly conversations: ConversationsRepository;
  readonly messages: MessagesRepository;
  readonly pins: PinsRepository;
  readonly uploads: UploadsRepository;
  readonly contacts: ContactsRepository;
  readonly deliveries: DeliveriesRepository;
  readonly webhooks: WebhooksRepository;
  readonly inbox: InboxRepository;
  readonly search: SearchRepository;
  readonly devices: DevicesRepository;
  readonly pushPreferences: PushPreferencesRepository;
  readonly moderation: ModerationRepository;
  readonly privacy: PrivacyRepository;
  readonly safety: SafetyRepository;
}
