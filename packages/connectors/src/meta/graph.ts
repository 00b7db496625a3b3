import type { ChannelError } from '../types.js';

/** A Graph API error body. */
export interface GraphError {
  error: { message: string; type?: string; code: number; error_subcode?: number; error_data?: { details?: string }; fbtrace_id?: string };
}

/**
 * A Graph API answer read one way for every call: what `pick` finds in a 2xx body, else the
 * error the body carries (through `toError`), else UNAVAILABLE by status (5xx retried).
 */
export function graphResult<T>(
  answer: { status: number; body: unknown },
  pick: (body: Record<string, unknown>) => T | undefined,
  toError: (error: GraphError['error']) => ChannelError,
  what: string,
): { ok: true; value: T } | { ok: false; error: ChannelError } {
  const body = answer.body as Record<string, unknown> | null;
  const value = answer.status < 300 && body ? pick(body) : undefined;
  if (value !== undefined) return { ok: true, value };
  if (body && typeof body.error === 'object' && body.error) return { ok: false, error: toError((body as unknown as GraphError).error) };
  return {
    ok: false,
    error: {
      code: 'UNAVAILABLE',
      platformCode: String(answer.status),
      message: `${what} answered ${answer.status}`,
      retry: answer.status >= 500 ? 'backoff' : 'never',
    },
  };
}
