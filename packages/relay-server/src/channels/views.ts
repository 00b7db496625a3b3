import type { ChannelDelivery } from '@chat4all/protocol';
import { iso, isoOrNull } from '../shared/time.js';
import type { DeliveryRecord } from '../store/types.js';

/** A delivery as members see it. */
export function toChannelDelivery(record: DeliveryRecord): ChannelDelivery {
  return {
    id: record.id,
    messageId: record.messageId,
    conversationId: record.conversationId,
    contactId: record.contactId,
    channelId: record.channelId,
    channel: record.channel,
    status: record.status,
    externalId: record.externalId,
    error: record.error,
    attempts: record.attempts,
    deadLettered: record.dead,
    nextAttemptAt: record.status === 'pending' && !record.dead && record.attempts > 0 ? isoOrNull(record.nextAttemptAt) : null,
    history: record.history.map((entry) => ({ ...entry, at: iso(entry.at) })),
    parts: record.parts,
    partStatuses: record.partStatuses,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
}
