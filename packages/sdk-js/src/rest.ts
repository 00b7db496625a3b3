import type { TokenSource } from './auth/token-source.js';
import { Chat4AllError } from './errors.js';

/**
 * A REST path with every interpolated value encoded as one path segment or query value:
 * `restPath\`/v1/conversations/${id}/members\``. An id with `/`, `?` or `#` in it cannot
 * reach another route.
 */
export function restPath(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string {
  return strings.reduce((path, part, i) => path + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/** The relay's REST API with the user's token; an expired token is renewed and the call made once more. */
export class Rest {
  /** The relay's base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly #tokens: TokenSource;
  readonly #fetch: typeof fetch;

  constructor(url: string, tokens: TokenSource, fetcher: typeof fetch = (input, init) => fetch(input, init)) {
    this.baseUrl = url.replace(/\/$/, '');
    this.#tokens = tokens;
    this.#fetch = fetcher;
  }

  /** `path` is built with `restPath` wherever it holds a value. */
  async request<T>(method: string, path: string, body?: unknown, refreshed = false): Promise<T> {
    const response = await this.#fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.#tokens.current(refreshed)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const payload = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return payload as T;
    const error = Chat4AllError.fromBody(payload as Parameters<typeof Chat4AllError.fromBody>[0]);
    if (error.code === 'TOKEN_EXPIRED' && !refreshed && this.#tokens.renewable) return this.request(method, path, body, true);
    throw error;
  }
}
