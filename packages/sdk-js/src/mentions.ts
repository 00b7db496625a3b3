/** A piece of a message's text: plain text, or a mention of a member (`userId`) or of everyone (`userId: null`). */
export type TextSegment = { type: 'text'; text: string } | { type: 'mention'; text: string; userId: string | null };

/** The word a mention of everyone is written as, after `@`, by the composer. */
export const MENTION_ALL = 'all';

/**
 * Splits a message's text into plain text and its mentions, for rendering. The text shows each
 * mention as its author wrote it, `@` and the member's name (`nameOf(userId)`, the id when it
 * gives none), and `@all` for everyone: only those of the message's own `mentions` (and
 * `@all` when `mentionsAll`) become mention segments, so an `@word` that mentions no one
 * stays text. The longest name wins where two start at the same place.
 */
export function mentionSegments(
  message: { text: string; mentions: readonly string[]; mentionsAll: boolean },
  nameOf: (userId: string) => string | null | undefined = () => null,
): TextSegment[] {
  const labels = message.mentions.map((userId) => ({ text: `@${nameOf(userId) || userId}`, userId: userId as string | null }));
  if (message.mentionsAll) labels.push({ text: `@${MENTION_ALL}`, userId: null });
  labels.sort((a, b) => b.text.length - a.text.length);
  const segments: TextSegment[] = [];
  const { text } = message;
  let plain = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at)) {
    const label = labels.find((l) => text.startsWith(l.text, at));
    if (!label) {
      at += 1;
      continue;
    }
    if (at > plain) segments.push({ type: 'text', text: text.slice(plain, at) });
    segments.push({ type: 'mention', text: label.text, userId: label.userId });
    at += label.text.length;
    plain = at;
  }
  if (plain < text.length) segments.push({ type: 'text', text: text.slice(plain) });
  return segments;
}

/** Whether a message mentions `userId`, by id or as everyone, and was written by someone else. */
export function mentionsUser(
  message: { senderId: string | null; mentions: readonly string[]; mentionsAll: boolean },
  userId: string | null,
): boolean {
  return userId !== null && message.senderId !== userId && (message.mentionsAll || message.mentions.includes(userId));
}

/**
 * The mention being typed at the caret, for a picker: where its `@` is and the text after it
 * (the `query` a picker filters members with), or null when the caret is not in one. An `@`
 * starts a mention at the start of the text or after a space, and it runs to the caret
 * without a line break or another `@`; a name may have spaces, so "@Bob L" is one.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const start = before.lastIndexOf('@');
  if (start === -1 || (start > 0 && !/\s/.test(before[start - 1] ?? ''))) return null;
  const query = before.slice(start + 1);
  return /[\n@]/.test(query) || query.length > 64 ? null : { start, query };
}
