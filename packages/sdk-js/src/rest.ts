import { type ErrorCode, isErrorCode } from '@chat4all/protocol/errors';
import type { TokenSource } from './auth/token-source.js';
import { Chat4AllError } from './errors.js';

/**
 * A REST path with every interpolated value encoded as one path segment or query value:
 * `restPath\`/v1/conversations/${id}/members\``. An id with `/`, `?` or `#` in it cannot
 * reach another route.
 */
export function restPath(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): string {
  return strings.reduce((path, part, i) => path + part + (i < values.length ? pathSegment(String(values[i])) : ''), '');
}

/**
 * A value as one encoded path segment. `.` and `..` are refused: URLs resolve them (encoded
 * too) to the segment itself or its parent, so they would reach another route.
 */
export function pathSegment(value: string): string {
  if (value === '.' || value === '..') throw new Chat4AllError('BAD_REQUEST', `${JSON.stringify(value)} cannot be a path segment`);
  return encodeURIComponent(value);
}

/** Codes for answers without the relay's error body, by status; other statuses are `INTERNAL` (5xx) or `BAD_REQUEST`. */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'NOT_READY',
};

/** The error of an answer that is not the relay's error body (a proxy's page, an empty body): judged by its status. */
function fromStatus(status: number, text: string): Chat4AllError {
  const code = CODE_OF_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
  return new Chat4AllError(code, `HTTP ${status} without an error body from the relay${text ? `: ${text.slice(0, 200)}` : ''}`, {
    retryable: status >= 500 || status === 429 || status === 408,
    details: { status },
  });
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
    const payload = text ? parsed(text) : undefined;
    if (response.ok) return payload as T;
    const error = isErrorBody(payload) ? Chat4AllError.fromBody(payload) : fromStatus(response.status, text);
    if (error.code === 'TOKEN_EXPIRED' && !refreshed && this.#tokens.renewable) return this.request(method, path, body, true);
    throw error;
  }
}

function isErrorBody(payload: unknown): payload is Parameters<typeof Chat4AllError.fromBody>[0] {
  const body = payload as { code?: unknown; message?: unknown } | undefined;
  return (
    typeof body === 'object' && body !== null && typeof body.code === 'string' && isErrorCode(body.code) && typeof body.message === 'string'
  );
}
