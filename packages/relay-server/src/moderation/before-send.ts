import { lookup } from 'node:dns/promises';
import { signWebhook } from '@chat4all/connectors';
import type { Attachment, MessageContent, MessageKind } from '@chat4all/protocol';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RelayConfig } from '../config.js';
import { RelayError } from '../errors.js';
import { assertPublicUrl, publicOnly } from '../http/public-addresses.js';
import { readAtMost } from '../http/read-at-most.js';

/** A new message as the hook (and the audit of rejected messages) sees it, before it is stored. */
export interface Draft {
  id: string;
  conversationId: string;
  senderId: string | null;
  kind: MessageKind;
  text: string;
  content: MessageContent | null;
  attachment: Attachment | null;
  metadata: Record<string, unknown>;
  replyTo: string | null;
  threadId: string | null;
  mentions: string[];
  mentionsAll: boolean;
}

/** The answers the hook may give (the body of its 200 response). */
export const HookAnswer = Type.Union([
  Type.Object({ action: Type.Literal('allow') }),
  Type.Object({ action: Type.Literal('reject'), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) }),
  Type.Object({ action: Type.Literal('replace'), text: Type.String() }),
]);
export type HookAnswer = Static<typeof HookAnswer>;

/** Why a call got the fallback instead of an answer. */
export type FallbackReason = 'timeout' | 'unreachable' | 'address' | 'status' | 'too_large' | 'invalid';

/** The most of an answer read: a decision is a few words, and more is not an answer. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The setting that lets the hook be on a private address, named when one is refused. */
const ALLOWED_BY = 'moderation.beforeSend.allowPrivateAddresses';

/**
 * One call of the app's before-send hook: the message POSTed as JSON, signed per Standard
 * Webhooks as app webhooks are (`webhook-id` is the message id, the same for every call about
 * it), within `timeoutMs` for the whole exchange, to a public address unless allowed, no
 * redirect followed. Answers what the hook decided, or why it gave no usable answer.
 */
export async function callBeforeSend(
  config: RelayConfig['moderation']['beforeSend'] & { url: string; secret: string },
  draft: Draft,
  origin: 'app' | 'channel',
  fetcher: typeof fetch = fetch,
  resolve: typeof lookup = lookup,
): Promise<{ ok: true; answer: HookAnswer } | { ok: false; reason: FallbackReason; message: string }> {
  const payload = JSON.stringify({ type: 'message.before_send', timestamp: new Date().toISOString(), data: { origin, message: draft } });
  const signal = AbortSignal.timeout(config.timeoutMs);
  try {
    // The name is resolved within the call's time too: a resolver that never answers is a hook that never answers.
    if (!config.allowPrivateAddresses) await Promise.race([assertPublicUrl(config.url, ALLOWED_BY, resolve), aborted(signal)]);
  } catch (error) {
    if (signal.aborted)
      return { ok: false, reason: 'timeout', message: `the hook's address was not resolved within ${config.timeoutMs} ms` };
    if (error instanceof RelayError && error.code === 'WEBHOOK_ADDRESS_REFUSED')
      return { ok: false, reason: 'address', message: error.message };
    // A name that does not resolve is a hook that cannot be reached, not a refused address.
    return { ok: false, reason: 'unreachable', message: (error as Error).message };
  }
  let response: Response;
  try {
    response = await fetcher(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'chat4all-before-send',
        ...signWebhook(config.secret, payload, draft.id),
      },
      body: payload,
      redirect: 'manual',
      signal,
      ...(config.allowPrivateAddresses ? {} : { dispatcher: publicOnly() }),
    } as RequestInit);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof RelayError && cause.code === 'WEBHOOK_ADDRESS_REFUSED')
      return { ok: false, reason: 'address', message: cause.message };
    return signal.aborted
      ? { ok: false, reason: 'timeout', message: `no answer within ${config.timeoutMs} ms` }
      : { ok: false, reason: 'unreachable', message: String(error) };
  }
  // A redirect is not followed (it could lead anywhere); like any other status but 200, it is no answer.
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    return { ok: false, reason: 'status', message: `the hook answered ${response.status}` };
  }
  let bytes: Uint8Array;
  try {
    bytes = await readAtMost(response, MAX_ANSWER_BYTES + 1);
  } catch {
    return signal.aborted
      ? { ok: false, reason: 'timeout', message: `no whole answer within ${config.timeoutMs} ms` }
      : { ok: false, reason: 'unreachable', message: 'the answer was cut off' };
  }
  if (bytes.byteLength > MAX_ANSWER_BYTES)
    return { ok: false, reason: 'too_large', message: `the answer is over ${MAX_ANSWER_BYTES} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: 'invalid', message: 'the answer is not JSON' };
  }
  if (!Value.Check(HookAnswer, body)) return { ok: false, reason: 'invalid', message: 'the answer is not one the hook may give' };
  // Only the documented fields: anything else the hook sent is not kept.
  const answer: HookAnswer =
    body.action === 'allow'
      ? { action: 'allow' }
      : body.action === 'reject'
        ? { action: 'reject', ...(body.reason !== undefined ? { reason: body.reason } : {}) }
        : { action: 'replace', text: body.text };
  return { ok: true, answer };
}

/** A promise that fails when the signal aborts (and never settles otherwise). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}
