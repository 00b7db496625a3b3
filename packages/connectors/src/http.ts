import type { ChannelError } from './types.js';

/**
 * POSTs JSON to a platform and reads its JSON answer. A request that gets no answer is a
 * NETWORK error, retried with backoff; an answer that is not JSON comes back as `body: null`.
 */
export async function postJson(
  fetcher: typeof fetch,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ ok: true; status: number; body: unknown } | { ok: false; error: ChannelError }> {
  let response: Response;
  try {
    response = await fetcher(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    return { ok: false, error: { code: 'NETWORK', platformCode: null, message: String(error), retry: 'backoff' } };
  }
  return { ok: true, status: response.status, body: await response.json().catch(() => null) };
}
