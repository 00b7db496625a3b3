// The catalogue alone: importing the package root would bring the JSON Schemas into the bundle.
import { ERROR_RULES, type ErrorBody, type ErrorCode, isErrorCode } from '@chat4all/protocol/errors';

/**
 * Codes the client makes itself: the connection lost mid-request, the client closed, an upload cancelled; for `client.push`, a
 * browser without the Push API, notifications refused by the user, a relay without a VAPID key.
 */
export type ClientErrorCode =
  | 'CONNECTION_LOST'
  | 'CLIENT_CLOSED'
  | 'CANCELLED'
  | 'PUSH_UNSUPPORTED'
  | 'PUSH_PERMISSION_DENIED'
  | 'PUSH_NOT_CONFIGURED';

/** The one error type of the SDK: a relay error code (or a client-side one), with whether retrying can help. */
export class Chat4AllError extends Error {
  override readonly name = 'Chat4AllError';
  readonly code: ErrorCode | ClientErrorCode;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: Chat4AllError['code'], message: string, options: { retryable?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = isErrorCode(code) ? ERROR_RULES[code].status : null;
    this.retryable = options.retryable ?? (isErrorCode(code) ? ERROR_RULES[code].retryable : true);
    this.details = options.details;
  }

  static fromBody(body: ErrorBody): Chat4AllError {
    return new Chat4AllError(body.code, body.message, { retryable: body.retryable, details: body.details });
  }
}

/** Close codes after which reconnecting with the same client cannot succeed (a revoked login needs a new sign-in). */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  ERROR_RULES.PROTOCOL_VERSION_UNSUPPORTED.closeCode,
  ERROR_RULES.ORIGIN_NOT_ALLOWED.closeCode,
  ERROR_RULES.SESSION_REVOKED.closeCode,
]);

/** The error code a close code stands for, from the catalogue. */
export function errorCodeOfClose(closeCode: number): ErrorCode | undefined {
  return (Object.keys(ERROR_RULES) as ErrorCode[]).find((code) => ERROR_RULES[code].closeCode === closeCode);
}

/** The wait an error asks for (`details.retryAfterMs`), if it names one. */
export function hintedWait(error: Chat4AllError): number | undefined {
  const hinted = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof hinted === 'number' ? hinted : undefined;
}
