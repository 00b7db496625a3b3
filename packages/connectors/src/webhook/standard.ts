import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookRequest } from '../types.js';

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The headers of a webhook signed per the Standard Webhooks spec
 * (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`).
 */
export function signWebhook(secret: string, body: string, id: string = randomUUID(), at = new Date()): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** Whether a request carries a valid Standard Webhooks signature made with `secret`, within five minutes of now. */
export function verifyStandardWebhook(secret: string | undefined, request: WebhookRequest): boolean {
  if (!secret) return false;
  const headers: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = request.headers[name];
    if (typeof value !== 'string') return false;
    headers[name] = value;
  }
  try {
    new Webhook(secret).verify(request.rawBody, headers);
    return true;
  } catch {
    return false;
  }
}
