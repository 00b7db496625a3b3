import type { ChannelError, Connector, InboundEvent, OutboundMessage, SendResult, WebhookRequest } from '../types.js';
import { signWebhook, verifyStandardWebhook } from './standard.js';

/** What the relay POSTs to the other system for each message to one of its contacts. */
export interface GenericOutbound {
  type: 'message';
  /** Chat4All's message id: the same on every retry, so the receiver can drop repeats. */
  id: string;
  to: string;
  text: string;
  file: { url: string; name: string; type: string; size: number } | null;
  replyTo: string | null;
}

/** What the other system POSTs to `/v1/channels/<id>/webhook`: a message from one of its people, or a status of one we sent. */
export type GenericInbound =
  | { type: 'message'; id: string; from: { id: string; name?: string | null }; text: string; sentAt?: string; replyTo?: string | null }
  | {
      type: 'status';
      id: string;
      status: 'sent' | 'delivered' | 'read' | 'failed';
      at?: string;
      error?: { code?: string; message?: string };
    };

export interface GenericWebhookOptions {
  /** Where messages are POSTed. */
  url: string;
  /** Standard Webhooks secret (`whsec_…`): signs what we send and checks what comes in. */
  secret: string;
  fetch?: typeof fetch;
}

/**
 * A channel to any other system over HTTP, both ways signed per Standard Webhooks. Out: a
 * JSON POST per message (`GenericOutbound`); a 2xx answer is sent (its JSON `id`, if any, is
 * the external id), 429 waits `Retry-After`, 5xx and network errors are retried, other 4xx
 * are final. In: `GenericInbound` messages and statuses.
 */
export class GenericWebhookConnector implements Connector {
  readonly channel = 'webhook';
  readonly #fetch: typeof fetch;

  constructor(private readonly options: GenericWebhookOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const payload: GenericOutbound = {
      type: 'message',
      id: message.id,
      to: message.recipientId,
      text: message.text,
      file: message.file?.url ? { url: message.file.url, name: message.file.name, type: message.file.type, size: message.file.size } : null,
      replyTo: message.replyToExternalId ?? null,
    };
    const body = JSON.stringify(payload);
    let response: Response;
    try {
      response = await this.#fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signWebhook(this.options.secret, body, message.id) },
        body,
      });
    } catch (error) {
      return { ok: false, error: { code: 'NETWORK', platformCode: null, message: String(error), retry: 'backoff' } };
    }
    const answer = (await response.json().catch(() => null)) as { id?: unknown; message?: unknown } | null;
    if (response.ok) return { ok: true, externalId: typeof answer?.id === 'string' ? answer.id : message.id };
    return { ok: false, error: httpError(response, typeof answer?.message === 'string' ? answer.message : response.statusText) };
  }

  verifyWebhook(request: WebhookRequest): boolean {
    return verifyStandardWebhook(this.options.secret, request);
  }

  parseWebhook(body: unknown): InboundEvent[] {
    return parseGenericInbound(body);
  }
}

/** A non-2xx answer as a retry decision: 429 after `Retry-After`, 408 and 5xx with backoff, other 4xx final. */
export function httpError(response: Response, message: string): ChannelError {
  const platformCode = String(response.status);
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    return Number.isFinite(seconds) && seconds >= 0
      ? { code: 'RATE_LIMITED', platformCode, message, retry: 'after', retryAfterMs: seconds * 1000 }
      : { code: 'RATE_LIMITED', platformCode, message, retry: 'backoff' };
  }
  if (response.status === 408 || response.status >= 500) return { code: 'UNAVAILABLE', platformCode, message, retry: 'backoff' };
  if (response.status === 401 || response.status === 403) return { code: 'UNAUTHORIZED', platformCode, message, retry: 'never' };
  if (response.status === 404 || response.status === 410) return { code: 'INVALID_RECIPIENT', platformCode, message, retry: 'never' };
  return { code: 'BAD_REQUEST', platformCode, message, retry: 'never' };
}

/** One inbound payload (or an array of them) as events; anything else is none. */
export function parseGenericInbound(body: unknown): InboundEvent[] {
  const items = (Array.isArray(body) ? body : [body]) as GenericInbound[];
  const events: InboundEvent[] = [];
  for (const item of items) {
    if (item?.type === 'message' && typeof item.id === 'string' && typeof item.from?.id === 'string' && typeof item.text === 'string') {
      events.push({
        kind: 'message',
        externalId: item.id,
        conversationKey: item.from.id,
        from: { id: item.from.id, name: item.from.name ?? null, username: null },
        text: item.text,
        file: null,
        sentAt: item.sentAt ?? new Date().toISOString(),
        replyToExternalId: item.replyTo ?? null,
      });
    } else if (item?.type === 'status' && typeof item.id === 'string' && ['sent', 'delivered', 'read', 'failed'].includes(item.status)) {
      events.push({
        kind: 'status',
        externalId: item.id,
        status: item.status,
        at: item.at ?? new Date().toISOString(),
        error:
          item.status === 'failed'
            ? {
                code: item.error?.code ?? 'FAILED',
                platformCode: item.error?.code ?? null,
                message: item.error?.message ?? 'failed',
                retry: 'never',
              }
            : null,
      });
    }
  }
  return events;
}
