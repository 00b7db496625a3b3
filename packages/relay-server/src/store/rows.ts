import type {
  Attachment,
  ChannelType,
  Contact,
  Conversation,
  Member,
  MemberRole,
  Message,
  MessageContent,
  MessageKind,
  Metadata,
  ReactionSummary,
  User,
} from '@chat4all/protocol';
import { iso, isoOrNull } from '../shared/time.js';
import type {
  AppendInput,
  ChannelHold,
  DeliveryPatch,
  DeliveryRecord,
  EarlyStatus,
  StoredReactions,
  UploadRecord,
  WebhookCall,
  WebhookRecord,
} from './types.js';

/**
 * Column shapes shared by the SQL adapters; times are epoch milliseconds, metadata is JSON
 * text. PostgreSQL `bigint` columns may arrive as strings (the `postgres` client's default
 * for int8), so times go through `Number()`.
 */
export interface UserRow {
  id: string;
  display_name: string | null;
  avatar_url: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface ConversationRow {
  id: string;
  type: 'private' | 'group';
  title: string | null;
  avatar_url: string | null;
  metadata: string;
  created_at: number;
  last_activity_at: number;
  last_seq: number;
  last_event_seq: number;
}

export interface MemberRow {
  user_id: string;
  role: MemberRole;
  joined_at: number;
  delivered_seq: number;
  read_seq: number;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  kind: MessageKind;
  sender_id: string | null;
  text: string;
  metadata: string;
  /** JSON of the `Attachment`, or null. */
  attachment: string | null;
  /** JSON of the `MessageContent`, or null. */
  content: string | null;
  /** JSON of the `StoredReactions`. */
  reactions: string;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface UploadRow {
  id: string;
  owner_id: string;
  conversation_id: string;
  name: string;
  type: string;
  size: number;
  sha256: string | null;
  width: number | null;
  height: number | null;
  complete: number | boolean;
  message_id: string | null;
  created_at: number;
  expires_at: number | null;
}

const parseMetadata = (text: string): Metadata => JSON.parse(text) as Metadata;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    avatarUrl: row.avatar_url,
    metadata: parseMetadata(row.metadata),
    createdAt: iso(row.created_at),
    lastActivityAt: iso(row.last_activity_at),
    lastSeq: row.last_seq,
    lastEventSeq: row.last_event_seq,
  };
}

export function toMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    role: row.role,
    joinedAt: iso(row.joined_at),
    deliveredSeq: row.delivered_seq,
    readSeq: row.read_seq,
  };
}

/** A message's stored reactions as clients see them: each key with its count and users in order. */
export function summarizeReactions(stored: StoredReactions): ReactionSummary[] {
  return stored.map(({ key, by }) => ({ key, count: by.length, userIds: by.map(([user]) => user) }));
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    kind: row.kind,
    senderId: row.sender_id,
    text: row.text,
    metadata: parseMetadata(row.metadata),
    attachment: row.attachment === null ? null : (JSON.parse(row.attachment) as Attachment),
    content: row.content === null ? null : (JSON.parse(row.content) as MessageContent),
    replyTo: row.reply_to,
    reactions: summarizeReactions(JSON.parse(row.reactions) as StoredReactions),
    createdAt: iso(row.created_at),
    editedAt: isoOrNull(row.edited_at),
    deletedAt: isoOrNull(row.deleted_at),
  };
}

/** The message an append stores for a new id, as the append returns it. */
export function appendedMessage(input: AppendInput, seq: number): Message {
  return {
    id: input.id,
    conversationId: input.conversationId,
    seq,
    kind: input.kind,
    senderId: input.senderId,
    text: input.text,
    metadata: input.metadata,
    attachment: input.attachment,
    content: input.content,
    replyTo: input.replyTo,
    reactions: [],
    createdAt: iso(input.now),
    editedAt: null,
    deletedAt: null,
  };
}

export const UPLOAD_COLUMNS =
  'id, owner_id, conversation_id, name, type, size, sha256, width, height, complete, message_id, created_at, expires_at';

export function toUploadRecord(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    conversationId: row.conversation_id,
    name: row.name,
    type: row.type,
    size: Number(row.size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    complete: Boolean(row.complete),
    messageId: row.message_id,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

export function uploadRow(record: UploadRecord): UploadRow {
  return {
    id: record.id,
    owner_id: record.ownerId,
    conversation_id: record.conversationId,
    name: record.name,
    type: record.type,
    size: record.size,
    sha256: record.sha256,
    width: record.width,
    height: record.height,
    complete: record.complete,
    message_id: record.messageId,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
  };
}

export interface ContactRow {
  id: string;
  display_name: string | null;
  metadata: string;
  conversation_id: string | null;
  preferred_channel_id: string | null;
  created_at: number;
}

export interface IdentityRow {
  contact_id: string;
  channel_id: string;
  channel: ChannelType;
  external_id: string;
  display_name: string | null;
  username: string | null;
  last_inbound_at: number | null;
}

export const CONTACT_COLUMNS = 'c.id, u.display_name, u.metadata, c.conversation_id, c.preferred_channel_id, c.created_at';
export const IDENTITY_COLUMNS = 'contact_id, channel_id, channel, external_id, display_name, username, last_inbound_at';

/** Contacts with their identities (rows of any contacts, in any order; each contact keeps its identities by first contact). */
export function toContacts(rows: readonly ContactRow[], identities: readonly IdentityRow[]): Contact[] {
  return rows.map((row) => ({
    id: row.id,
    displayName: row.display_name,
    metadata: parseMetadata(row.metadata),
    conversationId: row.conversation_id,
    preferredChannelId: row.preferred_channel_id,
    identities: identities
      .filter((identity) => identity.contact_id === row.id)
      .map((identity) => ({
        channelId: identity.channel_id,
        channel: identity.channel,
        externalId: identity.external_id,
        displayName: identity.display_name,
        username: identity.username,
        lastInboundAt: isoOrNull(identity.last_inbound_at),
      })),
    createdAt: iso(row.created_at),
  }));
}

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

/**
 * A delivery with a patch applied, as the row to write, and whether members see the change
 * (status, error, external id, dead letter, history): those record a `delivery.updated` event.
 */
export function patchDelivery(current: DeliveryRecord, patch: DeliveryPatch, now: number): { row: DeliveryRow; visible: boolean } {
  const { history, ...fields } = patch;
  const merged: DeliveryRecord = {
    ...current,
    ...fields,
    updatedAt: now,
    history: history ? [...current.history, history] : current.history,
  };
  // A status per part when there are several, `sent` until the platform says more; none for one part.
  const next: DeliveryRecord = {
    ...merged,
    partStatuses: merged.parts.length > 1 ? merged.parts.map((_, i) => merged.partStatuses[i] ?? 'sent') : [],
  };
  const visible =
    history !== undefined ||
    next.status !== current.status ||
    next.externalId !== current.externalId ||
    next.dead !== current.dead ||
    next.parts.length !== current.parts.length ||
    next.partStatuses.join() !== current.partStatuses.join() ||
    JSON.stringify(next.error) !== JSON.stringify(current.error);
  return {
    row: {
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
    },
    visible,
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

export interface WebhookRow {
  id: string;
  url: string;
  events: string;
  secret: string;
  description: string | null;
  enabled: number | boolean;
  failures: number;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

export const WEBHOOK_COLUMNS = 'id, url, events, secret, description, enabled, failures, disabled_reason, created_at, updated_at';

export function toWebhookRecord(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    secret: row.secret,
    description: row.description,
    enabled: Boolean(row.enabled),
    failures: row.failures,
    disabledReason: row.disabled_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export interface WebhookCallRow {
  webhook_id: string;
  event_id: string;
  type: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

export const WEBHOOK_CALL_COLUMNS = 'webhook_id, event_id, type, payload, attempts, next_attempt_at, created_at';

export function toWebhookCall(row: WebhookCallRow): WebhookCall {
  return {
    webhookId: row.webhook_id,
    eventId: row.event_id,
    type: row.type,
    payload: row.payload,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    createdAt: Number(row.created_at),
  };
}

export function webhookCallRow(call: WebhookCall): WebhookCallRow {
  return {
    webhook_id: call.webhookId,
    event_id: call.eventId,
    type: call.type,
    payload: call.payload,
    attempts: call.attempts,
    next_attempt_at: call.nextAttemptAt,
    created_at: call.createdAt,
  };
}

export function toEarlyStatus(row: { status: EarlyStatus['status']; at: number | string; error: string | null }): EarlyStatus {
  return { status: row.status, at: Number(row.at), error: row.error === null ? null : (JSON.parse(row.error) as EarlyStatus['error']) };
}
