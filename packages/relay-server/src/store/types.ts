import type {
  Attachment,
  ChannelType,
  Contact,
  Conversation,
  ConversationSummary,
  DeliveryError,
  DeliveryStatus,
  Member,
  MemberRole,
  Message,
  MessageContent,
  MessageKind,
  Metadata,
  User,
} from '@chat4all/protocol';

/** A message's reactions as stored: per key, in the order it was first used, who reacted and when (epoch ms), earliest first. */
export type StoredReactions = Array<{ key: string; by: Array<[userId: string, at: number]> }>;

/** The reactions a change leaves (`reactMessage` stores them), a refusal, or null for no change. */
export type ReactionPlan = { ok: true; reactions: StoredReactions } | { ok: false; code: 'TOO_MANY_REACTIONS' } | null;

/**
 * Optional features an adapter declares instead of being detected by class. The contract
 * suite skips tests by capability, never by adapter name. Empty for now: every adapter
 * implements the whole interface.
 */
export type StoreCapabilities = Record<string, never>;

/** One message to append. `id` is the client's id; `now` becomes `createdAt` if it is new. */
export interface AppendInput {
  id: string;
  conversationId: string;
  senderId: string | null;
  kind: MessageKind;
  text: string;
  metadata: Metadata;
  attachment: Attachment | null;
  content: MessageContent | null;
  replyTo: string | null;
  now: number;
}

/** A channel account as the store needs to know it: its id and platform. */
export interface ChannelRef {
  id: string;
  type: ChannelType;
}

/** Who wrote in (or whom the app wants to reach) on one channel account. */
export interface ContactInput {
  channel: ChannelRef;
  externalId: string;
  displayName: string | null;
  username: string | null;
  /** Set when the contact wrote just now (not when the app adds it). */
  inboundAt: number | null;
  /** Used only when the identity is new. */
  newContactId: string;
  /** The conversation made for a new contact: its id, title and the app users in it (the first is its owner). */
  conversation: { id: string; memberIds: string[]; metadata: Metadata };
  now: number;
}

export interface ContactOutcome {
  contact: Contact;
  conversation: Conversation;
  /** Whether the contact and its conversation were created by this call. */
  created: boolean;
}

/** A delivery as the dispatcher works on it. Times in epoch ms. */
export interface DeliveryRecord {
  id: string;
  messageId: string;
  conversationId: string;
  contactId: string;
  /** The message's seq: deliveries to one contact in one conversation go out in this order. */
  seq: number;
  channelId: string | null;
  channel: ChannelType | null;
  /** The contact's id on the channel it went out on. */
  recipientId: string | null;
  status: DeliveryStatus;
  externalId: string | null;
  error: DeliveryError | null;
  attempts: number;
  /** When a worker may take it (next retry, or a lease running out); null when nothing is due. */
  nextAttemptAt: number | null;
  dead: boolean;
  history: DeliveryHistoryEntry[];
  /** The platform's ids of the parts sent so far, in order, when the message goes as several (empty otherwise). */
  parts: string[];
  /** Each part's status, in order, when there are several (empty otherwise). */
  partStatuses: Array<Exclude<DeliveryStatus, 'pending'>>;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryHistoryEntry {
  status: DeliveryStatus | 'retrying' | 'held' | 'dead-lettered' | 'replayed';
  at: number;
  code?: string;
}

/** Why a channel account is on hold, and since when (epoch ms). */
export interface ChannelHold {
  channelId: string;
  code: string;
  platformCode: string | null;
  message: string;
  since: number;
}

/** What to change on a delivery; `history` entries are appended. */
export type DeliveryPatch = Partial<
  Pick<
    DeliveryRecord,
    | 'channelId'
    | 'channel'
    | 'recipientId'
    | 'status'
    | 'externalId'
    | 'error'
    | 'attempts'
    | 'nextAttemptAt'
    | 'dead'
    | 'parts'
    | 'partStatuses'
  >
> & { history?: DeliveryHistoryEntry };

/** An app's webhook endpoint. Times in epoch ms. */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Event types it gets (`message.created`…), or `*` for all. */
  events: string[];
  /** Standard Webhooks secret (`whsec_…`). */
  secret: string;
  description: string | null;
  enabled: boolean;
  /** Calls failed in a row (each after all its retries); reset by a success. */
  failures: number;
  /** Why the relay turned it off, if it did. */
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One event to POST to one endpoint, retried until done. */
export interface WebhookCall {
  webhookId: string;
  /** The event's id: the same for every retry (`webhook-id`), so receivers can drop repeats. */
  eventId: string;
  type: string;
  /** The JSON body, exactly as signed. */
  payload: string;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
}

/** A platform's status of a sent message. */
export interface EarlyStatus {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: number;
  error: DeliveryError | null;
}

/** Looks a delivery up by its id or by the platform's id of the message sent. */
export type DeliveryKey = { id: string } | { channelId: string; externalId: string };

/** An upload's record: owner, conversation, file facts, and what became of it. Times in epoch ms. */
export interface UploadRecord {
  id: string;
  ownerId: string;
  conversationId: string;
  name: string;
  type: string;
  size: number;
  /** Computed by the relay when the last byte arrived. */
  sha256: string | null;
  width: number | null;
  height: number | null;
  complete: boolean;
  messageId: string | null;
  createdAt: number;
  /** Deleted after this unless attached; null once attached. */
  expiresAt: number | null;
}

export type AppendOutcome =
  /** `created` is false when the id was already stored: `message` is then the original. */
  | {
      ok: true;
      created: boolean;
      message: Message;
      /** A new message to a conversation with contacts: deliveries to their channels were recorded with it. */
      dispatch?: boolean;
    }
  | { ok: false; code: 'CONVERSATION_NOT_FOUND' | 'MESSAGE_ID_CONFLICT' | 'REPLY_TARGET_NOT_FOUND' };

/** Kinds of change recorded in a conversation's event log (new messages are their own log, by seq). */
export type StoredEventType =
  | 'message.updated'
  | 'message.deleted'
  | 'reaction.updated'
  | 'receipt'
  | 'member.added'
  | 'member.updated'
  | 'member.removed'
  | 'conversation.updated'
  | 'delivery.updated';

/** One entry of the event log: what changed and which row to read its current state from. */
export interface StoredEvent {
  eventSeq: number;
  type: StoredEventType;
  messageId: string | null;
  userId: string | null;
}

export interface ReceiptInput {
  conversationId: string;
  userId: string;
  kind: 'delivered' | 'read';
  seq: number;
  now: number;
}

export type ReceiptOutcome =
  /** `eventSeq` is null when the horizons did not move (an old or repeated receipt). */
  { ok: true; deliveredSeq: number; readSeq: number; eventSeq: number | null } | { ok: false; code: 'CONVERSATION_NOT_FOUND' };

/** A member's resume position for one conversation. */
export interface SyncEntry {
  conversationId: string;
  lastSeq: number;
  lastEventSeq: number;
}

export interface ConversationCursor {
  lastActivityAt: number;
  id: string;
}

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  userId: string;
  expiresAt: number;
}

/** A refresh-token family: every token descended from one login. */
export interface RefreshFamily {
  userId: string;
  familyId: string;
}

/** On reuse, the family that was revoked, so the relay can close its sockets. */
export type RefreshRotation =
  | ({ ok: true } & RefreshFamily)
  | { ok: false; reason: 'invalid' }
  | ({ ok: false; reason: 'reused' } & RefreshFamily);

export interface UserInput {
  id: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  metadata?: Metadata;
  /** Read back only through the server API key (`getUserPrivateMetadata`), never by other users. */
  privateMetadata?: Metadata;
}

export interface GroupInput {
  id: string;
  title: string | null;
  avatarUrl: string | null;
  metadata: Metadata;
  ownerId: string;
  memberIds: string[];
  now: number;
}

export interface ConversationPatch {
  title?: string | null;
  avatarUrl?: string | null;
  metadata?: Metadata;
}

/**
 * Everything the relay keeps durably. Adapters: SQLite (embedded default) and PostgreSQL.
 * Every adapter passes `storeContract` from `@chat4all/relay-server/testing`.
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

  upsertUser(input: UserInput, now: number): Promise<User>;
  /** The user's private metadata (for the server API key only), or null for an unknown user. */
  getUserPrivateMetadata(id: string): Promise<Metadata | null>;
  /** Inserts the user only when missing; returns whether it was created. */
  ensureUser(id: string, displayName: string | null, now: number): Promise<boolean>;
  getUser(id: string): Promise<User | null>;
  /** The subset of `ids` that exist. */
  existingUserIds(ids: readonly string[]): Promise<Set<string>>;

  /** Creates a user and its login in one step; `false` when the username is taken. */
  createAccount(
    input: { userId: string; username: string; passwordHash: string; displayName: string | null },
    now: number,
  ): Promise<User | false>;
  getAccount(username: string): Promise<{ userId: string; passwordHash: string } | null>;

  insertRefreshToken(record: RefreshTokenRecord): Promise<void>;
  /**
   * Atomically consumes `tokenHash` and stores `next` in the same family. A token consumed
   * twice revokes its whole family (reuse detection); an expired or revoked one is invalid.
   */
  rotateRefreshToken(tokenHash: string, next: Omit<RefreshTokenRecord, 'familyId' | 'userId'>, now: number): Promise<RefreshRotation>;
  /** Revokes the family `tokenHash` belongs to and says which it was; `null` when the token is unknown. */
  revokeRefreshFamily(tokenHash: string): Promise<RefreshFamily | null>;
  /** Whether the family was revoked (logout or reuse); `false` for a family the store does not know. */
  refreshFamilyRevoked(familyId: string): Promise<boolean>;

  /** Returns the one private conversation of the pair, creating it on first call. */
  createPrivateConversation(input: {
    id: string;
    userIds: [string, string];
    now: number;
  }): Promise<{ conversation: Conversation; created: boolean }>;
  createGroupConversation(input: GroupInput): Promise<Conversation>;
  getConversation(id: string): Promise<Conversation | null>;
  /** Records a `conversation.updated` event; the result's `lastEventSeq` is that event. */
  updateConversation(id: string, patch: ConversationPatch, now: number): Promise<Conversation | null>;

  getMember(conversationId: string, userId: string): Promise<Member | null>;
  /** Owner first, then admins, then members; each by join time. */
  listMembers(conversationId: string): Promise<Member[]>;
  /** Adds the users who are not members yet, each with a `member.added` event; returns only those added. */
  addMembers(
    conversationId: string,
    userIds: readonly string[],
    role: MemberRole,
    now: number,
  ): Promise<Array<{ member: Member; eventSeq: number }>>;
  /** Removes a member with a `member.removed` event; returns its event seq, or null if not a member. */
  removeMember(conversationId: string, userId: string, now: number): Promise<number | null>;
  setMemberRole(
    conversationId: string,
    userId: string,
    role: MemberRole,
    now: number,
  ): Promise<{ member: Member; eventSeq: number } | null>;
  /** A member's conversations, most recent activity first, with last message and unread count. */
  listConversations(userId: string, page: { limit: number; after: ConversationCursor | null }): Promise<ConversationSummary[]>;

  /**
   * Appends a batch in **one transaction**: each new id gets the next seq of its
   * conversation; an id already stored returns its original message (same seq, same
   * createdAt) and writes nothing. A sender must be a member; a `replyTo` must be in the
   * same conversation. Outcomes are in input order.
   */
  appendMessages(batch: readonly AppendInput[]): Promise<AppendOutcome[]>;
  getMessage(conversationId: string, messageId: string): Promise<Message | null>;
  /** Ascending by seq. `before` pages backwards (the newest `limit` below it), `after` forwards. */
  listMessages(
    conversationId: string,
    range: { before?: number; after?: number; limit: number },
  ): Promise<{ messages: Message[]; hasMore: boolean }>;
  /** Sets new text and `editedAt` with a `message.updated` event. A deleted message is returned unchanged with `eventSeq: null`. */
  editMessage(
    conversationId: string,
    messageId: string,
    text: string,
    now: number,
  ): Promise<{ message: Message; eventSeq: number | null } | null>;
  /** Tombstones the message (text and metadata gone, seq kept) with a `message.deleted` event. Deleting again returns the tombstone with `eventSeq: null`. */
  deleteMessage(conversationId: string, messageId: string, now: number): Promise<{ message: Message; eventSeq: number | null } | null>;
  /**
   * Changes a message's reactions in one transaction: `plan` gets the stored reactions and
   * returns the new ones (a `reaction.updated` event by `userId`), null for no change, or a
   * refusal, which is returned as it is. A deleted message is not changed (`eventSeq: null`).
   */
  reactMessage(
    conversationId: string,
    messageId: string,
    userId: string,
    plan: (current: StoredReactions) => ReactionPlan,
    now: number,
  ): Promise<{ ok: true; message: Message; eventSeq: number | null } | { ok: false; code: 'TOO_MANY_REACTIONS' } | null>;
  /** The messages with these ids in the conversation, in seq order. */
  getMessages(conversationId: string, messageIds: readonly string[]): Promise<Message[]>;

  /**
   * Moves delivered/read horizons forward, in **one transaction** for the batch. A horizon
   * never moves back and never past the conversation's last seq; `read` moves `delivered`
   * too. A change records a `receipt` event.
   */
  applyReceipts(batch: readonly ReceiptInput[]): Promise<ReceiptOutcome[]>;

  // uploads
  createUpload(record: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | null>;
  /** Marks an upload complete with its checksum; it now expires at `expiresAt` unless attached. */
  completeUpload(id: string, sha256: string, expiresAt: number): Promise<UploadRecord | null>;
  /**
   * Ties a complete upload to a message (once: the same message again is fine, another is
   * not) and stops its expiry. The upload as it now is, or null when it cannot be attached.
   */
  attachUpload(id: string, messageId: string): Promise<UploadRecord | null>;
  /** How many uploads a user has started and not finished. */
  countOpenUploads(ownerId: string): Promise<number>;
  /** Ids of uploads past their expiry and attached to no message, oldest first. */
  expiredUploads(now: number, limit: number): Promise<string[]>;
  deleteUpload(id: string): Promise<void>;
  // contacts and channel deliveries

  /**
   * Finds the contact with this identity, or creates it (a user row, the identity, and a group
   * conversation with the app users and the contact) in one transaction; concurrent calls for
   * the same identity create one contact. Records `inboundAt` and refreshes the names.
   */
  ensureContact(input: ContactInput): Promise<ContactOutcome>;
  getContact(id: string): Promise<Contact | null>;
  /** The contact with this identity on the channel account, if there is one (nothing is created). */
  findContact(channelId: string, externalId: string): Promise<Contact | null>;
  /** Contacts by creation, newest first, after the contact `after` when given. */
  listContacts(page: { limit: number; after: string | null }): Promise<Contact[]>;
  /** The conversation the contact's messages land in; false unless the contact is a member of it. */
  setContactConversation(contactId: string, conversationId: string): Promise<boolean>;
  /** The channel messages to the contact go out on; false when the contact has no such identity. */
  setPreferredChannel(contactId: string, channelId: string | null): Promise<boolean>;
  /**
   * The platform moved a chat to a new id (a Telegram group upgraded to a supergroup): the
   * identity `from` on the channel account becomes `to`, with its contact and conversation.
   * False when there is no such identity, or `to` is already someone's.
   */
  moveIdentity(channelId: string, from: string, to: string): Promise<boolean>;
  /** By id, or by the platform's id of the message sent, of any of its parts. */
  getDelivery(key: DeliveryKey): Promise<DeliveryRecord | null>;
  /**
   * Keeps a platform's status of a message whose send result is not recorded yet (the
   * webhook outran the API's answer), for `takeEarlyStatuses` once it is. Forgets ones older
   * than `forgetBefore`.
   */
  keepEarlyStatus(status: EarlyStatus & { channelId: string; externalId: string }, forgetBefore: number): Promise<void>;
  /** The statuses kept for a message, oldest first, removed as they are returned. */
  takeEarlyStatuses(channelId: string, externalId: string): Promise<EarlyStatus[]>;
  /**
   * Deliveries to one recipient on a channel account, created up to `before`, that have not
   * reached `status` yet (sent, or sent and delivered): what a delivery or read watermark moves.
   */
  listDeliveriesTo(
    channelId: string,
    recipientId: string,
    before: number,
    status: 'delivered' | 'read',
    limit: number,
  ): Promise<DeliveryRecord[]>;
  /** A message's deliveries, by contact. */
  listDeliveries(messageId: string): Promise<DeliveryRecord[]>;
  /**
   * Reads the delivery, asks `decide` what to change, and writes that, in one transaction
   * that holds the row. A change of what members see (status, error, external id, dead
   * letter) records a `delivery.updated` event. Null when there is no such delivery or
   * `decide` returned null.
   */
  updateDelivery(
    key: DeliveryKey,
    decide: (current: DeliveryRecord) => DeliveryPatch | null,
    now: number,
  ): Promise<{ delivery: DeliveryRecord; eventSeq: number | null } | null>;
  /**
   * Deliveries due (`nextAttemptAt` reached, pending, not dead), at most `limit`: each is
   * leased (its `nextAttemptAt` pushed to `now + leaseMs`) so one caller gets it. Only the
   * first pending delivery to a contact in a conversation (lowest seq) is ever due, so a
   * contact receives a conversation's messages in order.
   */
  claimDueDeliveries(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** The dead-letter queue, oldest first, after the delivery `after` when given. */
  listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]>;
  /** How many deliveries wait in the dead-letter queue. */
  countDeadLetters(): Promise<number>;
  /** The channel accounts on hold: the platform refused their credentials. */
  listChannelHolds(): Promise<ChannelHold[]>;
  /**
   * Puts a channel account on hold (`hold`), or takes it off (`null`): then every delivery it
   * held (pending on that account, its last history entry `held`) is due at `now`, in order as
   * ever; others keep their own time (a backoff, a platform's retry-after). False when nothing changed.
   */
  setChannelHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean>;

  // app webhooks

  createWebhook(record: WebhookRecord): Promise<void>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  listWebhooks(): Promise<WebhookRecord[]>;
  /** Changes an endpoint; null when there is none. */
  updateWebhook(
    id: string,
    patch: Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'enabled' | 'failures' | 'disabledReason'>>,
    now: number,
  ): Promise<WebhookRecord | null>;
  /**
   * Counts one more failed call of an endpoint (atomically, as calls run concurrently), and
   * turns it off with `reason` when that makes `disableAfter` in a row; 0 resets the count.
   */
  countWebhookFailure(id: string, failed: boolean, disableAfter: number, reason: string, now: number): Promise<WebhookRecord | null>;
  /** Deletes an endpoint and its pending calls; false when there was none. */
  deleteWebhook(id: string): Promise<boolean>;
  /** Queues calls; a call queued (or done, until purged) for the same endpoint and event id is not queued again. */
  enqueueWebhookCalls(calls: readonly WebhookCall[]): Promise<void>;
  /** Calls due by `now`, at most `limit`, each leased (its `nextAttemptAt` pushed to `now + leaseMs`) so one caller gets it. */
  claimWebhookCalls(now: number, leaseMs: number, limit: number): Promise<WebhookCall[]>;
  /** Done (delivered, given up, or its endpoint gone): kept, so the same event is not queued again, until purged. */
  finishWebhookCall(webhookId: string, eventId: string, now: number): Promise<void>;
  /** Forgets calls done before `before`. */
  purgeWebhookCalls(before: number): Promise<void>;
  /** Schedules the next attempt of a call. */
  retryWebhookCall(webhookId: string, eventId: string, attempts: number, nextAttemptAt: number): Promise<void>;

  /** The event log after `afterEventSeq`, ascending, at most `limit` entries. */
  listEvents(conversationId: string, afterEventSeq: number, limit: number): Promise<StoredEvent[]>;
  /** The user's conversations with their current resume position. */
  syncState(userId: string): Promise<SyncEntry[]>;
  /** Which of `otherIds` share at least one conversation with `userId`. */
  sharingConversation(userId: string, otherIds: readonly string[]): Promise<Set<string>>;
}
