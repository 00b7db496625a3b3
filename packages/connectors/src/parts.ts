import type { ChannelError, OutboundMessage, SendResult } from './types.js';

/** {@link sendParts} for one outbound message: its `sentParts` skipped, its `onPart` told. */
export function sendPartsOf<Part>(
  message: OutboundMessage,
  parts: readonly Part[],
  sendOne: (part: Part, index: number) => Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }>,
): Promise<SendResult> {
  return sendParts(parts, message.sentParts, sendOne, message.onPart, message.beforePart);
}

/**
 * Sends a message's parts in order, one platform call each, skipping those an earlier attempt
 * already sent (`sentParts`, their ids in order). A failure stops there and reports the parts
 * sent so far with it, so the next attempt goes on from the failed part. `beforePart` is
 * awaited before each part after the first one sent in this attempt (the relay waits there
 * for the platform's rates).
 */
export async function sendParts<Part>(
  parts: readonly Part[],
  sentParts: readonly string[] | undefined,
  sendOne: (part: Part, index: number) => Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }>,
  onPart?: (parts: readonly string[]) => Promise<void>,
  beforePart?: () => Promise<void>,
): Promise<SendResult> {
  const ids = [...(sentParts ?? [])].slice(0, parts.length);
  const start = ids.length;
  for (let index = start; index < parts.length; index++) {
    if (index > start) await beforePart?.();
    const result = await sendOne(parts[index] as Part, index);
    if (!result.ok) return ids.length > 0 ? { ok: false, error: result.error, parts: ids } : { ok: false, error: result.error };
    ids.push(result.id);
    if (parts.length > 1) await onPart?.(ids);
  }
  const [first] = ids;
  if (first === undefined)
    return { ok: false, error: { code: 'BAD_REQUEST', platformCode: null, message: 'Nothing to send', retry: 'never' } };
  return ids.length > 1 ? { ok: true, externalId: first, parts: ids } : { ok: true, externalId: first };
}
