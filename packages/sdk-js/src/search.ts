import type { SearchMessagesQuery, SearchPage } from '@chat4all/protocol';
import type { Rest } from './rest.js';

/** What `client.search` narrows a search to, and where a page starts (`cursor`, a page's `nextCursor`). */
export type SearchFilters = Omit<SearchMessagesQuery, 'q' | 'after' | 'before'> & {
  /** Only messages sent after this time (exclusive). */
  after?: string | Date;
  /** Only messages sent before this time (exclusive). */
  before?: string | Date;
};

/**
 * Searches the messages the user can read, newest first: those holding every word of `q` (`word*` for words it begins), with
 * highlights as offsets into each message's text. The next page: the same call with `cursor` set to the page's `nextCursor`.
 */
export type Search = (q: string, filters?: SearchFilters) => Promise<SearchPage>;

/** `GET /v1/search/messages`; JSON leaves out filters set to undefined and writes dates as ISO times. */
export const createSearch =
  (rest: Rest): Search =>
  (q, filters) =>
    rest.request('GET', `/v1/search/messages?${new URLSearchParams(JSON.parse(JSON.stringify({ ...filters, q })))}`);
