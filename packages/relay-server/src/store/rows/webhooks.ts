import type { WebhookCall, WebhookRecord } from '../repositories/webhooks.js';

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
