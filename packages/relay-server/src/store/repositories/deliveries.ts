import type { ChannelType, DeliveryError, DeliveryStatus } from '@chat4all/protocol';

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

/**
 * The delivery a patch leaves, and whether members see the change (`channels/delivery-change.ts`):
 * the store records a `delivery.updated` event only for those.
 */
export type ApplyDeliveryPatch = (current: DeliveryRecord, patch: DeliveryPatch, now: number) => { next: DeliveryRecord; visible: boolean };

/** A platform's status of a sent message. */
export interface EarlyStatus {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: number;
  error: DeliveryError | null;
}

/** Looks a delivery up by its id or by the platform's id of the message sent. */
export type DeliveryKey = { id: string } | { channelId: string; externalId: string };

/** Deliveries of messages to contacts on their channels, the early statuses that outrun them, and channel holds. */
export interface DeliveriesRepository {
  /** By id, or by the platform's id of the message sent, of any of its parts. */
  get(key: DeliveryKey): Promise<DeliveryRecord | null>;
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
  listTo(channelId: string, recipientId: string, before: number, status: 'delivered' | 'read', limit: number): Promise<DeliveryRecord[]>;
  /** A message's deliveries, by contact. */
  listForMessage(messageId: string): Promise<DeliveryRecord[]>;
  /** The deliveries of these messages of one conversation, by message then contact (a history page's statuses in one call). */
  listForMessages(conversationId: string, messageIds: readonly string[]): Promise<DeliveryRecord[]>;
  /**
   * Reads the delivery, asks `decide` what to change, and writes what `apply` makes of that,
   * in one transaction that holds the row. A change `apply` says members see records a
   * `delivery.updated` event. Null when there is no such delivery or `decide` returned null.
   */
  update(
    key: DeliveryKey,
    decide: (current: DeliveryRecord) => DeliveryPatch | null,
    apply: ApplyDeliveryPatch,
    now: number,
  ): Promise<{ delivery: DeliveryRecord; eventSeq: number | null } | null>;
  /**
   * Deliveries due (`nextAttemptAt` reached, pending, not dead), at most `limit`: each is
   * leased (its `nextAttemptAt` pushed to `now + leaseMs`) so one caller gets it. Only the
   * first pending delivery to a contact in a conversation (lowest seq) is ever due, so a
   * contact receives a conversation's messages in order.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<DeliveryRecord[]>;
  /** The dead-letter queue, oldest first, after the delivery `after` when given. */
  listDeadLetters(page: { limit: number; after: string | null; channelId?: string }): Promise<DeliveryRecord[]>;
  /** How many deliveries wait in the dead-letter queue. */
  countDeadLetters(): Promise<number>;
  /** The channel accounts on hold: the platform refused their credentials. */
  listHolds(): Promise<ChannelHold[]>;
  /**
   * Puts a channel account on hold (`hold`), or takes it off (`null`): then every delivery it
   * held (pending on that account, its last history entry `held`) is due at `now`, in order as
   * ever; others keep their own time (a backoff, a platform's retry-after). False when nothing changed.
   */
  setHold(channelId: string, hold: ChannelHold | null, now: number): Promise<boolean>;
}
