/**
 * The error-code catalogue. Every error a client can see, over HTTP or WebSocket, carries
 * one of these codes. Each entry fixes the HTTP status, the WebSocket close code when the
 * error ends the connection (`null` when it is reported as an `error` frame and the socket
 * stays open), and whether retrying the same request can help.
 *
 * `docs/errors.md` documents every code; a test fails when one is missing there.
 */
export interface ErrorSpec {
  /** HTTP status answered for this code. */
  readonly status: number;
  /** WebSocket close code when this error closes the socket, otherwise `null`. */
  readonly closeCode: number | null;
  /** Whether sending the same request again (possibly after a delay or a new token) can succeed. */
  readonly retryable: boolean;
  /** One line for humans; the docs say more. */
  readonly summary: string;
}

export const ERROR_CODES = {
  BAD_REQUEST: {
    status: 400,
    closeCode: null,
    retryable: false,
    summary: 'The request or frame does not match its schema.',
  },
  MALFORMED_FRAME: {
    status: 400,
    closeCode: null,
    retryable: false,
    summary: 'A WebSocket frame is not a JSON object (or is binary).',
  },
  UNKNOWN_FRAME_TYPE: {
    status: 400,
    closeCode: null,
    retryable: false,
    summary: 'A WebSocket frame has a `type` the relay does not know.',
  },
  FRAME_TOO_LARGE: {
    status: 413,
    closeCode: 1009,
    retryable: false,
    summary:
      'A frame exceeds the frame limit. Above the limit it is answered with an error frame; above the hard cap the socket is closed with 1009.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    closeCode: null,
    retryable: false,
    summary: 'An HTTP request body exceeds the body limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    closeCode: null,
    retryable: false,
    summary: 'An HTTP request body is not `application/json`.',
  },
  TEXT_TOO_LONG: {
    status: 400,
    closeCode: null,
    retryable: false,
    summary: 'Message text is longer than the configured limit.',
  },
  METADATA_TOO_LARGE: {
    status: 400,
    closeCode: null,
    retryable: false,
    summary: 'A metadata object serializes to more bytes than the configured limit.',
  },
  PROTOCOL_VERSION_UNSUPPORTED: {
    status: 400,
    closeCode: 4426,
    retryable: false,
    summary: 'The client asked for a protocol version this relay does not speak.',
  },
  UNAUTHENTICATED: {
    status: 401,
    closeCode: 4401,
    retryable: false,
    summary:
      'No credentials, or credentials that are invalid (bad signature, wrong issuer or audience, unknown key, disallowed algorithm).',
  },
  TOKEN_EXPIRED: {
    status: 401,
    closeCode: 4440,
    retryable: true,
    summary: 'The access token has expired; get a new one and retry.',
  },
  SESSION_REVOKED: {
    status: 401,
    closeCode: 4441,
    retryable: false,
    summary:
      'The built-in login this token belongs to was ended (logout, or a refresh token used twice); its sockets are closed. Sign in again.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    closeCode: null,
    retryable: false,
    summary: 'Username or password is wrong.',
  },
  REFRESH_TOKEN_INVALID: {
    status: 401,
    closeCode: null,
    retryable: false,
    summary: 'The refresh token is unknown, expired or revoked; sign in again.',
  },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    closeCode: null,
    retryable: false,
    summary: 'A refresh token was used twice; its whole family has been revoked. Sign in again.',
  },
  FORBIDDEN: {
    status: 403,
    closeCode: null,
    retryable: false,
    summary: 'Authenticated, but not allowed to do this (not an admin, not the author, user token on a server route).',
  },
  NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No such route.',
  },
  USER_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No user with that id.',
  },
  CONVERSATION_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No such conversation, or the caller is not a member (the two are indistinguishable on purpose).',
  },
  MESSAGE_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No such message in that conversation.',
  },
  REPLY_TARGET_NOT_FOUND: {
    status: 422,
    closeCode: null,
    retryable: false,
    summary: '`replyTo` names a message that is not in the same conversation.',
  },
  MESSAGE_ID_CONFLICT: {
    status: 409,
    closeCode: null,
    retryable: false,
    summary: 'The client message id is already used by a different message (another sender or conversation).',
  },
  MESSAGE_DELETED: {
    status: 409,
    closeCode: null,
    retryable: false,
    summary: 'The message has been deleted and can no longer be edited.',
  },
  TOO_MANY_REACTIONS: {
    status: 409,
    closeCode: null,
    retryable: false,
    summary: 'The message already has as many different reactions as the relay allows (`limits.reactionKeysPerMessage`).',
  },
  UPLOAD_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary:
      'No such upload, or it is not yours to use: another user’s, for another conversation, already attached to another message, or (for downloads) in a conversation you are not a member of.',
  },
  UPLOAD_INCOMPLETE: {
    status: 409,
    closeCode: null,
    retryable: true,
    summary: 'The upload has not received all its bytes yet; finish it, then send the message again.',
  },
  UPLOAD_TOO_LARGE: {
    status: 413,
    closeCode: null,
    retryable: false,
    summary: 'The file is larger than the relay accepts (`uploads.maxBytes`, or `uploads.smallMaxBytes` for one-request uploads).',
  },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    closeCode: null,
    retryable: false,
    summary: 'A download asked for a `Range` outside the file; `Content-Range: bytes */<size>` says its size.',
  },
  CHECKSUM_MISMATCH: {
    status: 460,
    closeCode: null,
    retryable: false,
    summary: 'The SHA-256 the client declared for the upload does not match the bytes received; the upload is discarded.',
  },
  CHANNEL_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No channel account with that id is configured on this relay.',
  },
  CONTACT_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No contact with that id.',
  },
  DELIVERY_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No such channel delivery, or (for replay and discard) it is not in the dead-letter queue.',
  },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    closeCode: null,
    retryable: false,
    summary:
      'A platform webhook without a valid signature or secret (Meta `X-Hub-Signature-256`, Telegram secret-token header); nothing in it was stored.',
  },
  WEBHOOK_VERIFY_TOKEN_INVALID: {
    status: 403,
    closeCode: null,
    retryable: false,
    summary: 'The webhook verification request (`hub.mode=subscribe`) did not carry the configured verify token.',
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    closeCode: null,
    retryable: false,
    summary: 'No app webhook endpoint with that id.',
  },
  WEBHOOK_ADDRESS_REFUSED: {
    status: 422,
    closeCode: null,
    retryable: false,
    summary:
      'The webhook URL resolves to a private, loopback or link-local address, which the relay refuses unless `webhooks.allowPrivateAddresses` is set.',
  },
  USERNAME_TAKEN: {
    status: 409,
    closeCode: null,
    retryable: false,
    summary: 'Registration with a username that already exists.',
  },
  RATE_LIMITED: {
    status: 429,
    closeCode: 4429,
    retryable: true,
    summary:
      'Too many sends (per user), connection attempts and logins (per IP), or logins to one account (from any address). `details.retryAfterMs` (and the HTTP `Retry-After` header) say when to retry.',
  },
  AUTH_BUSY: {
    status: 503,
    closeCode: null,
    retryable: true,
    summary:
      'This node is hashing as many passwords as it allows and its short queue is full (a login flood); the sign-in was not tried. `details.retryAfterMs` (and `Retry-After`) say when to retry.',
  },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    closeCode: 4430,
    retryable: true,
    summary: 'The user already has the maximum number of open WebSockets; close one first.',
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    closeCode: 4403,
    retryable: false,
    summary: "A browser upgrade came from an Origin that is not in the relay's allow-list.",
  },
  SLOW_CONSUMER: {
    status: 503,
    closeCode: 4508,
    retryable: true,
    summary: 'The client did not read fast enough and its send buffer filled; reconnect and resume (nothing is lost).',
  },
  RESUME_REQUIRED: {
    status: 503,
    closeCode: 4409,
    retryable: true,
    summary:
      'The relay node lost its fan-out feed for a moment and may have missed events; reconnect and resume (nothing is lost: the store has everything).',
  },
  CHANNEL_UNAVAILABLE: {
    status: 502,
    closeCode: null,
    retryable: true,
    summary:
      'A platform did not answer a call the relay needed to take a webhook in (fetching a file a contact sent); the platform retries the webhook.',
  },
  SHUTTING_DOWN: {
    status: 503,
    closeCode: 1001,
    retryable: true,
    summary: 'The relay is shutting down; reconnect (to another node) and resume.',
  },
  NOT_READY: {
    status: 503,
    closeCode: null,
    retryable: true,
    summary: 'The relay cannot reach its store.',
  },
  INTERNAL: {
    status: 500,
    closeCode: 1011,
    retryable: true,
    summary: 'An unexpected server error. Retrying with the same client id is safe.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Close codes that end a WebSocket for reasons other than an error code. */
export const CLOSE_CODES = {
  /** Normal close by either side. */
  NORMAL: 1000,
  /** The relay is shutting down (`SHUTTING_DOWN`). */
  GOING_AWAY: 1001,
  /** A frame above the hard cap (`FRAME_TOO_LARGE`). */
  MESSAGE_TOO_BIG: 1009,
  /** An unexpected server error (`INTERNAL`). */
  INTERNAL_ERROR: 1011,
} as const;

/** The JSON body of every HTTP error and the payload of every WebSocket `error` frame. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Field-level detail for `BAD_REQUEST`, a retry delay, and so on. */
  details?: unknown;
}
