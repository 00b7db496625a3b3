import type { Message } from '@chat4all/protocol';

/** Pages of history fetched at most to fill one page the reader sees, when the senders they blocked wrote many in a row. */
const MAX_FILL_PAGES = 10;

export interface HistoryRange {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

/** Whether a reader who blocked `hidden` sees the message: their own view, nobody else's. */
export function isVisible(message: Pick<Message, 'senderId'>, hidden: ReadonlySet<string>): boolean {
  return message.senderId === null || !hidden.has(message.senderId);
}

/**
 * A page of history without the messages of senders the reader blocked. Pages are read on in
 * the page's direction (older for `before` or the newest, newer for `after`) until the page
 * is full or the history ends, so a run of hidden messages does not leave the reader with an
 * empty page and nothing to page from.
 */
export async function visibleHistory(
  read: (range: HistoryRange) => Promise<HistoryPage>,
  range: HistoryRange,
  hidden: ReadonlySet<string>,
): Promise<HistoryPage> {
  if (hidden.size === 0) return read(range);
  const forward = range.after !== undefined;
  let kept: Message[] = [];
  let next: HistoryRange = range;
  for (let fetched = 0; fetched < MAX_FILL_PAGES; fetched++) {
    const page = await read(next);
    const visible = page.messages.filter((m) => isVisible(m, hidden));
    kept = forward ? [...kept, ...visible] : [...visible, ...kept];
    const edge = forward ? page.messages.at(-1) : page.messages[0];
    if (!page.hasMore || !edge || kept.length >= range.limit) {
      const messages = forward ? kept.slice(0, range.limit) : kept.slice(-range.limit);
      return { messages, hasMore: page.hasMore || kept.length > range.limit };
    }
    next = forward ? { ...range, after: edge.seq } : { ...range, before: edge.seq, after: undefined };
  }
  return { messages: forward ? kept.slice(0, range.limit) : kept.slice(-range.limit), hasMore: true };
}
