/**
 * The error-code catalogue. Every error a client can see, over HTTP or WebSocket, carries
 * one of these codes. Each entry fixes the HTTP status, the WebSocket close code when the
 * error ends the connection (`null` when it is reported as an `error` frame and the socket
 * stays open), and whether retrying the same request can help.
 *
 * `docs/errors.md` documents every code; a test fails when one is missing there.
 */
export interface ErrorRule {
  /** HTTP status answered for this code. */
  readonly status: number;
  /** WebSocket close code when this error closes the socket, otherwise `null`. */
  readonly closeCode: number | null;
  /** Whether sending the same request again (possibly after a delay or a new token) can succeed. */
  readonly retryable: boolean;
}

export interface ErrorSpec extends ErrorRule {
  /** One line for humans; the docs say more. */
  readonly summary: string;
}

export const ERROR_RULES = {
  BAD_REQUEST: { status: 400, closeCode: null, retryable: false },
  MALFORMED_FRAME: { status: 400, closeCode: null, retryable: false },
  UNKNOWN_FRAME_TYPE: { status: 400, closeCode: null, retryable: false },
  FRAME_TOO_LARGE: { status: 413, closeCode: 1009, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, closeCode: null, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, closeCode: null, retryable: false },
  TEXT_TOO_LONG: { status: 400, closeCode: null, retryable: false },
  METADATA_TOO_LARGE: { status: 400, closeCode: null, retryable: false },
  PROTOCOL_VERSION_UNSUPPORTED: { status: 400, closeCode: 4426, retryable: false },
  UNAUTHENTICATED: { status: 401, closeCode: 4401, retryable: false },
  TOKEN_EXPIRED: { status: 401, closeCode: 4440, retryable: true },
  SESSION_REVOKED: { status: 401, closeCode: 4441, retryable: false },
  INVALID_CREDENTIALS: { status: 401, closeCode: null, retryable: false },
  REFRESH_TOKEN_INVALID: { status: 401, closeCode: null, retryable: false },
  REFRESH_TOKEN_REUSED: { status: 401, closeCode: null, retryable: false },
  FORBIDDEN: { status: 403, closeCode: null, retryable: false },
  NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  USER_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  CONVERSATION_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  MESSAGE_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  REPLY_TARGET_NOT_FOUND: { status: 422, closeCode: null, retryable: false },
  MESSAGE_REJECTED: { status: 422, closeCode: null, retryable: false },
  MESSAGE_ID_CONFLICT: { status: 409, closeCode: null, retryable: false },
  MESSAGE_DELETED: { status: 409, closeCode: null, retryable: false },
  TOO_MANY_REACTIONS: { status: 409, closeCode: null, retryable: false },
  MENTION_NOT_MEMBER: { status: 400, closeCode: null, retryable: false },
  GROUP_MENTION_NOT_ALLOWED: { status: 403, closeCode: null, retryable: false },
  THREAD_ROOT_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  NESTED_THREAD: { status: 400, closeCode: null, retryable: false },
  THREAD_ROOT_DELETED: { status: 409, closeCode: null, retryable: false },
  TOO_MANY_PINNED_CONVERSATIONS: { status: 409, closeCode: null, retryable: false },
  TOO_MANY_PINS: { status: 409, closeCode: null, retryable: false },
  TOO_MANY_PRESENCE_SUBSCRIPTIONS: { status: 409, closeCode: null, retryable: false },
  TOO_MANY_DEVICES: { status: 409, closeCode: null, retryable: false },
  PUSH_ENDPOINT_REFUSED: { status: 422, closeCode: null, retryable: false },
  EXPORT_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  BLOCKED: { status: 403, closeCode: null, retryable: false },
  MEMBER_MUTED: { status: 403, closeCode: null, retryable: false },
  MEMBER_BANNED: { status: 403, closeCode: null, retryable: false },
  REPORT_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  UPLOAD_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  UPLOAD_INCOMPLETE: { status: 409, closeCode: null, retryable: true },
  UPLOAD_TOO_LARGE: { status: 413, closeCode: null, retryable: false },
  RANGE_NOT_SATISFIABLE: { status: 416, closeCode: null, retryable: false },
  CHECKSUM_MISMATCH: { status: 460, closeCode: null, retryable: false },
  CHANNEL_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  CONTACT_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  DELIVERY_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, closeCode: null, retryable: false },
  WEBHOOK_VERIFY_TOKEN_INVALID: { status: 403, closeCode: null, retryable: false },
  WEBHOOK_NOT_FOUND: { status: 404, closeCode: null, retryable: false },
  WEBHOOK_ADDRESS_REFUSED: { status: 422, closeCode: null, retryable: false },
  USERNAME_TAKEN: { status: 409, closeCode: null, retryable: false },
  RATE_LIMITED: { status: 429, closeCode: 4429, retryable: true },
  AUTH_BUSY: { status: 503, closeCode: null, retryable: true },
  TOO_MANY_CONNECTIONS: { status: 429, closeCode: 4430, retryable: true },
  ORIGIN_NOT_ALLOWED: { status: 403, closeCode: 4403, retryable: false },
  SLOW_CONSUMER: { status: 503, closeCode: 4508, retryable: true },
  RESUME_REQUIRED: { status: 503, closeCode: 4409, retryable: true },
  CHANNEL_UNAVAILABLE: { status: 502, closeCode: null, retryable: true },
  SHUTTING_DOWN: { status: 503, closeCode: 1001, retryable: true },
  NOT_READY: { status: 503, closeCode: null, retryable: true },
  INTERNAL: { status: 500, closeCode: 1011, retryable: true },
} as const satisfies Record<string, ErrorRule>;

export type ErrorCode = keyof typeof ERROR_RULES;

/** One line for humans per code, the relay's default message for it; the docs say more. */
const ERROR_SUMMARIES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request or frame does not match its schema.',
  MALFORMED_FRAME: 'A WebSocket frame is not a JSON object (or is binary).',
  UNKNOWN_FRAME_TYPE: 'A WebSocket frame has a `type` the relay does not know.',
  FRAME_TOO_LARGE:
    'A frame exceeds the frame limit. Above the limit it is answered with an error frame; above the hard cap the socket is closed with 1009.',
  PAYLOAD_TOO_LARGE: 'An HTTP request body exceeds the body limit.',
  UNSUPPORTED_MEDIA_TYPE: 'An HTTP request body is not `application/json`.',
  TEXT_TOO_LONG: 'Message text is longer than the configured limit.',
  METADATA_TOO_LARGE: 'A metadata object serializes to more bytes than the configured limit.',
  PROTOCOL_VERSION_UNSUPPORTED: 'The client asked for a protocol version this relay does not speak.',
  UNAUTHENTICATED:
    'No credentials, or credentials that are invalid (bad signature, wrong issuer or audience, unknown key, disallowed algorithm).',
  TOKEN_EXPIRED: 'The access token has expired; get a new one and retry.',
  SESSION_REVOKED:
    'The built-in login this token belongs to was ended (logout, or a refresh token used twice); its sockets are closed. Sign in again.',
  INVALID_CREDENTIALS: 'Username or password is wrong.',
  REFRESH_TOKEN_INVALID: 'The refresh token is unknown, expired or revoked; sign in again.',
  REFRESH_TOKEN_REUSED: 'A refresh token was used twice; its whole family has been revoked. Sign in again.',
  FORBIDDEN: 'Authenticated, but not allowed to do this (not an admin, not the author, user token on a server route).',
  NOT_FOUND: 'No such route.',
  USER_NOT_FOUND: 'No user with that id.',
  CONVERSATION_NOT_FOUND: 'No such conversation, or the caller is not a member (the two are indistinguishable on purpose).',
  MESSAGE_NOT_FOUND: 'No such message in that conversation.',
  REPLY_TARGET_NOT_FOUND: '`replyTo` names a message that is not in the same conversation.',
  MESSAGE_REJECTED:
    "The app's content rules or its before-send hook refused the message; `details.reason` says why, and the same message id is refused again with the same reason.",
  MESSAGE_ID_CONFLICT:
    'The client message id is already used by a different message (another sender or conversation, or, before it is stored, another body than the one moderation decided on).',
  MESSAGE_DELETED: 'The message has been deleted and can no longer be edited.',
  TOO_MANY_REACTIONS: 'The message already has as many different reactions as the relay allows (`limits.reactionKeysPerMessage`).',
  MENTION_NOT_MEMBER: '`mentions` names someone who is not a member of the conversation (or no user at all): nothing is stored.',
  GROUP_MENTION_NOT_ALLOWED:
    "`mentionsAll` is set but the conversation's `groupMentions` setting does not let the sender mention everyone.",
  THREAD_ROOT_NOT_FOUND: '`threadId` (or the thread asked for) is not a message of this conversation.',
  NESTED_THREAD: '`threadId` names a reply in a thread: threads do not nest, reply in the root’s thread instead.',
  THREAD_ROOT_DELETED: 'The thread’s root message has been deleted: its thread takes no new replies.',
  TOO_MANY_PINNED_CONVERSATIONS:
    'The user already has as many conversations pinned to the top as the relay allows (`limits.pinnedConversations`).',
  TOO_MANY_PINS:
    'The conversation already has as many pinned messages as the relay allows (`limits.pinsPerConversation`); unpin one first.',
  TOO_MANY_PRESENCE_SUBSCRIPTIONS:
    'The socket already watches as many users’ presence as the relay allows (`limits.presenceSubscriptionsPerConnection`); unsubscribe from some first.',
  TOO_MANY_DEVICES:
    'The user already has as many devices registered for push notifications as the relay allows (`push.devicesPerUser`); remove one first.',
  PUSH_ENDPOINT_REFUSED:
    'The subscription’s endpoint is not an `https:` URL (or not a URL at all), so the relay will not post notifications to it.',
  EXPORT_NOT_FOUND:
    'No such data export for this user: another user’s, never asked, or its archive expired and was deleted (ask for a new one); for a download, the export is not ready yet.',
  BLOCKED:
    'One of the two people in a private conversation has blocked the other: it cannot be opened by the one blocked, and neither can send in it until the block is lifted.',
  MEMBER_MUTED:
    'An admin muted the sender in this conversation: they cannot send until the mute ends (`details.until`, null: until lifted).',
  MEMBER_BANNED: 'The user is banned from this conversation: they cannot be added back until an admin lifts the ban.',
  REPORT_NOT_FOUND: 'No report with that id.',
  UPLOAD_NOT_FOUND:
    'No such upload, or it is not yours to use: another user’s, for another conversation, already attached to another message, or (for downloads) in a conversation you are not a member of.',
  UPLOAD_INCOMPLETE: 'The upload has not received all its bytes yet; finish it, then send the message again.',
  UPLOAD_TOO_LARGE: 'The file is larger than the relay accepts (`uploads.maxBytes`, or `uploads.smallMaxBytes` for one-request uploads).',
  RANGE_NOT_SATISFIABLE: 'A download asked for a `Range` outside the file; `Content-Range: bytes */<size>` says its size.',
  CHECKSUM_MISMATCH: 'The SHA-256 the client declared for the upload does not match the bytes received; the upload is discarded.',
  CHANNEL_NOT_FOUND: 'No channel account with that id is configured on this relay.',
  CONTACT_NOT_FOUND: 'No contact with that id.',
  DELIVERY_NOT_FOUND: 'No such channel delivery, or (for replay and discard) it is not in the dead-letter queue.',
  WEBHOOK_SIGNATURE_INVALID:
    'A platform webhook without a valid signature or secret (Meta `X-Hub-Signature-256`, Telegram secret-token header); nothing in it was stored.',
  WEBHOOK_VERIFY_TOKEN_INVALID: 'The webhook verification request (`hub.mode=subscribe`) did not carry the configured verify token.',
  WEBHOOK_NOT_FOUND: 'No app webhook endpoint with that id.',
  WEBHOOK_ADDRESS_REFUSED:
    'The webhook URL resolves to a private, loopback or link-local address, which the relay refuses unless `webhooks.allowPrivateAddresses` is set.',
  USERNAME_TAKEN: 'Registration with a username that already exists.',
  RATE_LIMITED:
    'Too many sends (per user), connection attempts and logins (per IP), or logins to one account (from any address). `details.retryAfterMs` (and the HTTP `Retry-After` header) say when to retry.',
  AUTH_BUSY:
    'This node is hashing as many passwords as it allows and its short queue is full (a login flood); the sign-in was not tried. `details.retryAfterMs` (and `Retry-After`) say when to retry.',
  TOO_MANY_CONNECTIONS: 'The user already has the maximum number of open WebSockets; close one first.',
  ORIGIN_NOT_ALLOWED: "A browser upgrade came from an Origin that is not in the relay's allow-list.",
  SLOW_CONSUMER: 'The client did not read fast enough and its send buffer filled; reconnect and resume (nothing is lost).',
  RESUME_REQUIRED:
    'The relay node lost its fan-out feed for a moment and may have missed events; reconnect and resume (nothing is lost: the store has everything).',
  CHANNEL_UNAVAILABLE:
    'A platform did not answer a call the relay needed to take a webhook in (fetching a file a contact sent); the platform retries the webhook.',
  SHUTTING_DOWN: 'The relay is shutting down; reconnect (to another node) and resume.',
  NOT_READY: 'The relay cannot reach its store.',
  INTERNAL: 'An unexpected server error. Retrying with the same client id is safe.',
};

/**
 * The whole catalogue: each code's rules with its summary. Its making is marked pure, so a bundle that imports only
 * `ERROR_RULES` (the SDK's) leaves the summaries out.
 */
export const ERROR_CODES: { readonly [C in ErrorCode]: (typeof ERROR_RULES)[C] & { readonly summary: string } } =
  /* @__PURE__ */ withSummaries();

function withSummaries() {
  const codes = Object.keys(ERROR_RULES) as ErrorCode[];
  return Object.fromEntries(codes.map((code) => [code, { ...ERROR_RULES[code], summary: ERROR_SUMMARIES[code] }])) as typeof ERROR_CODES;
}

export const ERROR_CODE_LIST = Object.keys(ERROR_RULES) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_RULES, value);
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
