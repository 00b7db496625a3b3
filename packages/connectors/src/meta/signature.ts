import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookRequest } from '../types.js';

/** What the Meta webhooks and Graph API have in common: the app secret signature, the verification GET, and the error body. */
export interface MetaAppOptions {
  /** The Meta app secret: webhooks are signed with it (`X-Hub-Signature-256`). */
  appSecret?: string;
  /** The token typed in the webhook set-up, echoed by Meta's verification GET. */
  verifyToken?: string;
}

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`, compared in constant time. */
export function verifyMetaSignature(appSecret: string | undefined, request: WebhookRequest): boolean {
  const header = request.headers['x-hub-signature-256'];
  if (!appSecret || typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(createHmac('sha256', appSecret).update(request.rawBody).digest('hex'));
  const given = Buffer.from(header.slice('sha256='.length));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The webhook set-up GET: the `hub.challenge` to echo when the verify token matches, else null. */
export function verifyMetaChallenge(verifyToken: string | undefined, query: Record<string, unknown>): string | null {
  if (!verifyToken || query['hub.mode'] !== 'subscribe' || query['hub.verify_token'] !== verifyToken) return null;
  const challenge = query['hub.challenge'];
  return typeof challenge === 'string' ? challenge : null;
}
