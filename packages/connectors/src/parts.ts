import type { ChannelError, OutboundMessage, SendResult } from './types.js';

/** {@link sendParts} for one outbound message: its `sentParts` skipped, its `onPart` told. */
export function sendPartsOf<Part>(
  message: OutboundMessage,
  parts: readonly Part[],
  sendOne: (part: Part, index: number) => Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }>,
): Promise<SendResult> {
  return sendParts(parts, message.sentParts, sendOne, message.onPart);
}

/**
 * Sends a message's parts in order, one platform call each, skipping those an earlier attempt
 * already sent (`sentParts`, their ids in order). A failure stops there and reports the parts
 * sent so far with it, so the next attempt goes on from the failed part.
 */
export async function sendParts<Part>(
  parts: readonly Part[],
  sentParts: readonly string[] | undefined,
  sendOne: (part: Part, index: number) => Promise<{ ok: true; id: string } | { ok: false; error: ChannelError }>,
  onPart?: (parts: readonly string[]) => Promise<void>,
): Promise<SendResult> {
  const ids = [...(sentParts ?? [])].slice(0, parts.length);
  for (let index = ids.length; index < parts.length; index++) {
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
