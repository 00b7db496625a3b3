import type { SearchMessagesQuery, SearchPage } from '@chat4all/protocol';
import { RelayError } from '../errors.js';
import type { Limits } from '../limits/limits.js';
import { isVisible } from '../safety/visibility.js';
import type { SearchInput, Store } from '../store/types.js';
import { decodeSearchCursor, encodeSearchCursor, highlight, parseSearch } from './query.js';

const DEFAULT_LIMIT = 20;

/** Full-text search over the messages a user can read now: conversations they are a member of, deleted messages never. */
export class SearchService {
  constructor(
    private readonly store: Pick<Store, 'search'>,
    private readonly rateLimits: Pick<Limits, 'write'>,
    /** The senders a user blocked, whose messages their results leave out. */
    private readonly hiddenFor: (userId: string) => Promise<ReadonlySet<string>> = async () => new Set(),
  ) {}

  async messages(userId: string, query: SearchMessagesQuery): Promise<SearchPage> {
    const terms = parseSearch(query.q);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const input: SearchInput = { userId, terms, limit: limit + 1 };
    if (query.conversationId !== undefined) input.conversationId = query.conversationId;
    if (query.senderId !== undefined) input.senderId = query.senderId;
    if (query.hasFile !== undefined) input.hasFile = query.hasFile;
    if (query.after !== undefined) input.after = time('after', query.after);
    if (query.before !== undefined) input.before = time('before', query.before);
    if (input.after !== undefined && input.before !== undefined && input.after >= input.before)
      throw new RelayError('BAD_REQUEST', 'after must be earlier than before');
    if (query.cursor !== undefined) input.cursor = decodeSearchCursor(query.cursor);
    const refusal = await this.rateLimits.write('search', userId);
    if (refusal) throw refusal;
    const [found, hidden] = await Promise.all([this.store.search.messages(input), this.hiddenFor(userId)]);
    const page = found.slice(0, limit);
    // The cursor follows the page as read, so a page thinned by blocks may be short but paging goes on past it.
    const last = page.at(-1);
    return {
      results: page
        .filter((message) => isVisible(message, hidden))
        .map((message) => ({ message, highlights: highlight(message.text, terms) })),
      nextCursor: found.length > limit && last ? encodeSearchCursor({ createdAt: Date.parse(last.createdAt), id: last.id }) : null,
    };
  }
}

function time(name: string, text: string): number {
  const at = Date.parse(text);
  if (!Number.isFinite(at)) throw new RelayError('BAD_REQUEST', `${name} must be a date-time`);
  return at;
}
