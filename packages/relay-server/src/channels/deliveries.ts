import type { ChannelError } from '@chat4all/connectors';
import type { ChannelDelivery, DeliveryStatus } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Publisher } from '../bus/node-events.js';
import { RelayError } from '../errors.js';
import { nextAttempt } from '../queue/attempts.js';
import type { DeliveriesRepository, DeliveryKey, DeliveryPatch, DeliveryRecord } from '../store/types.js';
import { applyDeliveryPatch } from './delivery-change.js';
import { toChannelDelivery } from './views.js';

/** For events that retry nothing (sent, replayed, discarded), the policy is never read. */
const NO_RETRIES = { maxAttempts: 0, baseDelayMs: 0, maxDelayMs: 0 } as const;

const RANK: Record<DeliveryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 1 };

/**
 * Whether a platform's status may replace the current one: statuses only move forward
 * (pending → sent → delivered → read); `failed` replaces pending or sent, and nothing but a
 * replay moves a failed delivery.
 */
export function advances(current: DeliveryStatus, next: DeliveryStatus): boolean {
  if (current === 'failed') return false;
  if (next === 'failed') return current === 'pending' || current === 'sent';
  return RANK[next] > RANK[current];
}

export function deliveryError(error: ChannelError): DeliveryRecord['error'] {
  return { code: error.code, platformCode: error.platformCode, message: error.message };
}

/** A message in several parts stands where its least advanced part does; a failed part fails it. */
function partsStatus(statuses: DeliveryRecord['partStatuses']): DeliveryStatus {
  if (statuses.includes('failed')) return 'failed';
  return statuses.reduce<DeliveryStatus>((least, s) => (RANK[s] < RANK[least] ? s : least), 'read');
}

/**
 * The change a platform's status of one message id makes. For a message in several parts,
 * the part's own status moves forward, and the delivery's follows the least advanced part
 * once every part is sent.
 */
function partPatch(
  current: DeliveryRecord,
  externalId: string,
  status: DeliveryStatus,
  at: number,
  error: DeliveryRecord['error'],
): DeliveryPatch | null {
  const index = current.parts.indexOf(externalId);
  if (current.parts.length < 2 || index < 0) return statusPatch(current, status, at, error);
  const partStatuses = [...current.partStatuses];
  const part = partStatuses[index] ?? 'sent';
  if (status === 'pending' || !advances(part, status)) return null;
  partStatuses[index] = status;
  // Still sending the rest: only the part moves.
  if (current.status === 'pending') return { partStatuses };
  return { partStatuses, ...(statusPatch(current, partsStatus(partStatuses), at, error) ?? {}) };
}

/** The change a platform's status makes, with its history entry; null when it does not move the delivery forward. */
function statusPatch(current: DeliveryRecord, status: DeliveryStatus, at: number, error: DeliveryRecord['error']): DeliveryPatch | null {
  if (!advances(current.status, status)) return null;
  return { status, ...(error ? { error } : {}), history: { status, at, ...(error ? { code: error.code } : {}) } };
}

/** Channel deliveries: every change stored, logged, and fanned out to the conversation as `delivery.updated`. */
export class DeliveryService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly bus: Publisher,
    /** Failures to publish a change are logged: clients recover on resume. */
    private readonly log: Logger,
  ) {}

  async update(key: DeliveryKey, decide: (current: DeliveryRecord) => DeliveryPatch | null, now = Date.now()) {
    const result = await this.deliveries.update(key, decide, applyDeliveryPatch, now);
    if (result?.eventSeq != null) {
      const { delivery, eventSeq } = result;
      this.bus
        .publish({
          kind: 'conversation',
          conversationId: delivery.conversationId,
          event: { type: 'delivery.updated', conversationId: delivery.conversationId, delivery: toChannelDelivery(delivery), eventSeq },
        })
        .catch((err: unknown) => this.log.error({ err }, 'delivery publish failed; clients recover on resume'));
    }
    return result?.delivery ?? null;
  }

  /** A status the platform reported for a message it accepted; older or repeated statuses change nothing. */
  async applyStatus(
    channelId: string,
    externalId: string,
    status: 'sent' | 'delivered' | 'read' | 'failed',
    at: number,
    error: ChannelError | null,
  ): Promise<DeliveryRecord | null> {
    const recorded = error ? deliveryError(error) : null;
    const updated = await this.update({ channelId, externalId }, (current) => partPatch(current, externalId, status, at, recorded));
    if (updated || (await this.deliveries.get({ channelId, externalId }))) return updated;
    // The webhook outran the send's answer (or is about a message sent outside the relay): kept a day for `sent()`.
    await this.deliveries.keepEarlyStatus({ channelId, externalId, status, at, error: recorded }, Date.now() - 24 * 3600_000);
    return null;
  }

  /** Records a send the platform accepted, then any statuses of it that arrived first. */
  async sent(id: string, attempts: number, channelId: string, externalId: string, parts: string[] = []): Promise<void> {
    const now = Date.now();
    await this.update({ id }, (d) => {
      const change = nextAttempt(d, attempts, { type: 'sent' }, NO_RETRIES, now);
      return change ? { ...change, externalId, parts } : null;
    });
    for (const early of await this.deliveries.takeEarlyStatuses(channelId, externalId)) {
      await this.update({ channelId, externalId }, (current) => partPatch(current, externalId, early.status, early.at, early.error));
    }
    // Parts the platform reported on while the rest went: the delivery stands where the least advanced one does.
    if (parts.length > 1)
      await this.update({ id }, (current) =>
        current.status === 'sent' ? statusPatch(current, partsStatus(current.partStatuses), now, null) : null,
      );
  }

  /** Everything sent to `recipientId` up to `before` reached `status` (Messenger's delivery and read watermarks). */
  async applyWatermark(channelId: string, recipientId: string, status: 'delivered' | 'read', before: number): Promise<number> {
    let moved = 0;
    for (;;) {
      const page = await this.deliveries.listTo(channelId, recipientId, before, status, 100);
      let movedNow = 0;
      for (const delivery of page) {
        // Every part was sent before the watermark too.
        const ids = delivery.parts.length > 1 ? delivery.parts : delivery.externalId ? [delivery.externalId] : [];
        let movedThis = false;
        for (const externalId of ids) if (await this.applyStatus(channelId, externalId, status, Date.now(), null)) movedThis = true;
        if (movedThis) movedNow++;
      }
      moved += movedNow;
      if (page.length < 100 || movedNow === 0) return moved;
    }
  }

  /** A page of the dead-letter queue (optionally one channel's), with the queue's length across channels. */
  async deadLetters(page: { limit: number; after: string | null; channelId?: string }) {
    const list = await this.deliveries.listDeadLetters(page);
    return {
      deliveries: list.map(toChannelDelivery),
      total: await this.deliveries.countDeadLetters(),
      nextCursor: list.length === page.limit ? (list.at(-1)?.id ?? null) : null,
    };
  }

  /** Deliveries waiting in the dead-letter queue, on every node. */
  countDeadLetters(): Promise<number> {
    return this.deliveries.countDeadLetters();
  }

  async list(messageId: string): Promise<ChannelDelivery[]> {
    return (await this.deliveries.listForMessage(messageId)).map(toChannelDelivery);
  }

  async listMany(conversationId: string, messageIds: readonly string[]): Promise<ChannelDelivery[]> {
    return (await this.deliveries.listForMessages(conversationId, messageIds)).map(toChannelDelivery);
  }

  /** Takes a delivery out of the dead-letter queue and sends it again from the first attempt. */
  async replay(id: string): Promise<ChannelDelivery> {
    const now = Date.now();
    const replayed = await this.update(
      { id },
      (current) => nextAttempt(current, current.attempts, { type: 'replayed' }, NO_RETRIES, now),
      now,
    );
    if (!replayed) throw new RelayError('DELIVERY_NOT_FOUND', `Delivery ${id} is not in the dead-letter queue`);
    return toChannelDelivery(replayed);
  }

  /** Removes a delivery from the dead-letter queue for good: it stays failed. */
  async discard(id: string): Promise<ChannelDelivery> {
    const discarded = await this.update({ id }, (current) =>
      nextAttempt(current, current.attempts, { type: 'discarded' }, NO_RETRIES, Date.now()),
    );
    if (!discarded) throw new RelayError('DELIVERY_NOT_FOUND', `Delivery ${id} is not in the dead-letter queue`);
    return toChannelDelivery(discarded);
  }
}
