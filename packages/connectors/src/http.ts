import type { ChannelError, FetchedFile } from './types.js';

/** How long a platform call may take before it counts as unanswered (well inside the dispatcher's lease). */
export const CALL_TIMEOUT_MS = 30_000;

type JsonAnswer = { ok: true; status: number; body: unknown } | { ok: false; error: ChannelError };

/**
 * One call to a platform that answers JSON. A request that gets no answer (within
 * `CALL_TIMEOUT_MS` unless a `signal` is given) is a NETWORK error, retried with backoff; an
 * answer that is not JSON comes back as `body: null`.
 */
async function callJson(fetcher: typeof fetch, url: string, init: RequestInit): Promise<JsonAnswer> {
  let response: Response;
  try {
    response = await fetcher(url, { ...init, signal: init.signal ?? AbortSignal.timeout(CALL_TIMEOUT_MS) });
  } catch (error) {
    return { ok: false, error: { code: 'NETWORK', platformCode: null, message: String(error), retry: 'backoff' } };
  }
  return { ok: true, status: response.status, body: await response.json().catch(() => null) };
}

/** POSTs JSON (see `callJson`). */
export function postJson(
  fetcher: typeof fetch,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<JsonAnswer> {
  return callJson(fetcher, url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

/** GETs JSON (see `callJson`). */
export function getJson(fetcher: typeof fetch, url: string, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return callJson(fetcher, url, { headers });
}

/** POSTs a multipart form, a file upload (see `callJson`). */
export function postForm(fetcher: typeof fetch, url: string, form: FormData, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  return callJson(fetcher, url, { method: 'POST', headers, body: form });
}

/** GETs a file; a non-2xx answer or no answer is a ChannelError (5xx and network retried). */
export async function getFile(
  fetcher: typeof fetch,
  url: string,
  headers: Record<string, string> = {},
  known: { type?: string | null; name?: string | null } = {},
): Promise<FetchedFile> {
  let response: Response;
  try {
    response = await fetcher(url, { headers });
  } catch (error) {
    return { ok: false, error: { code: 'NETWORK', platformCode: null, message: String(error), retry: 'backoff' } };
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    return {
      ok: false,
      error: {
        code: response.status >= 500 ? 'UNAVAILABLE' : 'FILE_UNAVAILABLE',
        platformCode: String(response.status),
        message: `Downloading the file answered ${response.status}`,
        retry: response.status >= 500 ? 'backoff' : 'never',
      },
    };
  }
  const length = Number(response.headers.get('content-length'));
  return {
    ok: true,
    body: response.body,
    type: known.type ?? response.headers.get('content-type'),
    size: Number.isFinite(length) && length > 0 ? length : null,
    name: known.name ?? null,
  };
}
