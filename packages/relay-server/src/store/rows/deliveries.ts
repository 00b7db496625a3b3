import type { ChannelType } from '@chat4all/protocol';
import type { ChannelHold, DeliveryRecord, EarlyStatus } from '../repositories/deliveries.js';

export interface DeliveryRow {
  id: string;
  message_id: string;
  conversation_id: string;
  contact_id: string;
  seq: number;
  channel_id: string | null;
  channel: ChannelType | null;
  recipient_id: string | null;
  status: DeliveryRecord['status'];
  external_id: string | null;
  /** JSON of the `DeliveryError`, or null. */
  error: string | null;
  attempts: number;
  next_attempt_at: number | null;
  dead: number | boolean;
  /** JSON array of history entries. */
  history: string;
  /** JSON array of the platform's ids of the parts sent. */
  parts: string;
  /** JSON array of each part's status, when there are several. */
  part_statuses: string;
  created_at: number;
  updated_at: number;
}

export const DELIVERY_COLUMNS =
  'id, message_id, conversation_id, contact_id, seq, channel_id, channel, recipient_id, status, external_id, error, attempts, next_attempt_at, dead, history, parts, part_statuses, created_at, updated_at';

export function toDeliveryRecord(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    messageId: row.message_id,
    conversationId: row.conversation_id,
    contactId: row.contact_id,
    seq: row.seq,
    channelId: row.channel_id,
    channel: row.channel,
    recipientId: row.recipient_id,
    status: row.status,
    externalId: row.external_id,
    error: row.error === null ? null : (JSON.parse(row.error) as DeliveryRecord['error']),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    dead: Boolean(row.dead),
    history: JSON.parse(row.history) as DeliveryRecord['history'],
    parts: JSON.parse(row.parts) as string[],
    partStatuses: JSON.parse(row.part_statuses) as DeliveryRecord['partStatuses'],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A delivery as the row to write. */
export function deliveryRow(next: DeliveryRecord): DeliveryRow {
  return {
    id: next.id,
    message_id: next.messageId,
    conversation_id: next.conversationId,
    contact_id: next.contactId,
    seq: next.seq,
    channel_id: next.channelId,
    channel: next.channel,
    recipient_id: next.recipientId,
    status: next.status,
    external_id: next.externalId,
    error: next.error === null ? null : JSON.stringify(next.error),
    attempts: next.attempts,
    next_attempt_at: next.nextAttemptAt,
    dead: next.dead,
    history: JSON.stringify(next.history),
    parts: JSON.stringify(next.parts),
    part_statuses: JSON.stringify(next.partStatuses),
    created_at: next.createdAt,
    updated_at: next.updatedAt,
  };
}

export interface ChannelHoldRow {
  channel_id: string;
  code: string;
  platform_code: string | null;
  message: string;
  since: number | string;
}

export function toChannelHold(row: ChannelHoldRow): ChannelHold {
  return { channelId: row.channel_id, code: row.code, platformCode: row.platform_code, message: row.message, since: Number(row.since) };
}

export function toEarlyStatus(row: { status: EarlyStatus['status']; at: number | string; error: string | null }): EarlyStatus {
  return { status: row.status, at: Number(row.at), error: row.error === null ? null : (JSON.parse(row.error) as EarlyStatus['error']) };
}
