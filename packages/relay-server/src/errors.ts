import { ERROR_CODES, type ErrorBody, type ErrorCode, type JsonProblem } from '@chat4all/protocol';

/** The one error type the relay throws on purpose. Its code fixes status, close code and retryability. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly closeCode: number | null;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: { cause?: unknown; details?: unknown } = {}) {
    const spec = ERROR_CODES[code];
    super(message ?? spec.summary, { cause: options.cause });
    this.code = code;
    this.status = spec.status;
    this.closeCode = spec.closeCode;
    this.retryable = spec.retryable;
    this.details = options.details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** A frame or body with a string no store can hold as text (NUL, a lone surrogate), or nested too deep. */
export function badText(problem: JsonProblem): RelayError {
  return new RelayError('BAD_REQUEST', `${problem.path} ${problem.message}`, { details: [problem] });
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
  message?: unknown;
}

/**
 * Turns anything thrown at an edge (HTTP handler, WebSocket frame handler) into a
 * RelayError. Fastify's own errors are mapped by their `FST_*` code; anything unknown is
 * INTERNAL and keeps the original as `cause` for the log.
 */
export function toRelayError(error: unknown): RelayError {
  if (error instanceof RelayError) return error;
  if (isStoreUnavailable(error)) return new RelayError('NOT_READY', 'The store is unreachable; retry', { cause: error });
  if (typeof error === 'object' && error !== null) {
    const e = error as FastifyLikeError;
    const message = typeof e.message === 'string' ? e.message : undefined;
    if (Array.isArray(e.validation)) {
      return new RelayError('BAD_REQUEST', message, { cause: error, details: validationDetails(e) });
    }
    switch (e.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new RelayError('PAYLOAD_TOO_LARGE', undefined, { cause: error });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new RelayError('UNSUPPORTED_MEDIA_TYPE', undefined, { cause: error });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new RelayError('BAD_REQUEST', message, { cause: error });
    }
    if (e.statusCode === 400 && error instanceof SyntaxError) {
      return new RelayError('BAD_REQUEST', `Body is not valid JSON: ${error.message}`, { cause: error });
    }
  }
  return new RelayError('INTERNAL', 'Internal server error', { cause: error });
}

function validationDetails(e: FastifyLikeError): unknown {
  const issues = e.validation as Array<{ instancePath?: string; message?: string }>;
  return issues.map((issue) => ({
    in: typeof e.validationContext === 'string' ? e.validationContext : undefined,
    path: issue.instancePath ?? '',
    message: issue.message ?? 'invalid',
  }));
}

/** Socket-level and `postgres` client codes for a lost or refused database connection. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/**
 * Whether an error means the store could not be reached (rather than that a query was
 * wrong): connection errors, SQLSTATE class 08 (connection exception) and 57P01–57P03
 * (the server shutting down or not accepting connections). These are retryable.
 */
export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}
