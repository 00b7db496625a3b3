import { readFileSync } from 'node:fs';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** App users put in each new contact's conversation (the first one owns it): the agents who answer. */
const channelCommon = {
  /** How the channel account is named in webhook URLs (`/v1/channels/<id>/webhook`) and statuses. */
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  /** App users added to every new contact's conversation; the first owns it. @default [] */
  members: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
  /** Sends per second on this account, across all nodes. @default the platform's published limit */
  sendsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Sends per second to one recipient. @default the platform's published limit */
  sendsPerSecondPerRecipient: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** A base URL other than the platform's (a proxy, or a fake in tests). */
  baseUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** When an agent reads a contact's message, mark it read on the platform (WhatsApp, Messenger, Instagram). @default false */
  passReads: Type.Optional(Type.Boolean()),
  /** When an agent types, show typing to the contact (WhatsApp, Telegram, Messenger, Instagram). @default false */
  passTyping: Type.Optional(Type.Boolean()),
};

/** What every Meta channel (WhatsApp, Messenger, Instagram) has: the app's webhook secret and verify token, the Graph API version. */
const metaApp = {
  /** The Meta app secret: webhooks are checked against it (`X-Hub-Signature-256`). */
  appSecret: Type.String({ minLength: 1 }),
  /** What you type as the verify token in the app dashboard's webhook set-up. */
  verifyToken: Type.String({ minLength: 1 }),
  /** Graph API version. @default 'v23.0' */
  apiVersion: Type.Optional(Type.String({ pattern: '^v\\d+\\.\\d+$' })),
};

/** One channel account: a WhatsApp number, a Telegram bot… with its credentials. */
export const ChannelConfigSchema = Type.Union([
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('whatsapp'),
      /** A system-user access token with `whatsapp_business_messaging`. */
      accessToken: Type.String({ minLength: 1 }),
      /** The business phone number's id (not the number). */
      phoneNumberId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('messenger'),
      /** A Page access token with `pages_messaging`. */
      accessToken: Type.String({ minLength: 1 }),
      /** The Facebook Page's id. */
      pageId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('instagram'),
      /** An access token with `instagram_business_manage_messages` (Instagram Login) or a Page token (through a Page). */
      accessToken: Type.String({ minLength: 1 }),
      /** The Instagram professional account's id (or the connected Page's id). */
      accountId: Type.String({ minLength: 1 }),
      ...metaApp,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('webhook'),
      /** Where messages to this channel's contacts are POSTed (JSON, signed per Standard Webhooks). */
      url: Type.String({ pattern: '^https?://' }),
      /** Standard Webhooks secret (`whsec_` and base64) shared with the other system, both ways. */
      secret: Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('loopback'),
      /** Standard Webhooks secret for people writing in through the webhook; without it the webhook refuses everything. */
      secret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=]{16,}$' })),
      /** Delivered this long after each message, read after twice as long. @default 200 */
      statusDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
      /** The contact answers each message with `echo: <text>`. @default false */
      echo: Type.Optional(Type.Boolean()),
      /** Messages containing this text fail, as a platform refusing them would. */
      failWhen: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...channelCommon,
      type: Type.Literal('telegram'),
      /** The bot token from @BotFather. */
      token: Type.String({ minLength: 1 }),
      /** Telegram sends it back in `X-Telegram-Bot-Api-Secret-Token`; 1–256 of A–Z, a–z, 0–9, _ and -. */
      secretToken: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_-]+$' }),
      /**
       * `webhook`: Telegram posts updates to `<publicUrl>/v1/channels/<id>/webhook` (the relay calls
       * `setWebhook` at start when `publicUrl` is set). `polling`: the relay long-polls `getUpdates`,
       * for development without a public URL (run one node that polls). @default 'webhook'
       */
      mode: Type.Optional(Type.Union([Type.Literal('webhook'), Type.Literal('polling')], { default: 'webhook' })),
    },
    { additionalProperties: false },
  ),
]);
export type ChannelConfig = Static<typeof ChannelConfigSchema>;

const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)));

/**
 * The relay's whole configuration. Every key has a default except the secrets, which are
 * generated into the data dir outside production. Read by {@link loadConfig} from a JSON
 * file and `CHAT4ALL_*` env vars; {@link resolveConfig} fills defaults and validates.
 */
export const RelayConfigSchema = Type.Object(
  {
    /** Deployment environment. In `production` the relay refuses to start without `auth.appSecret`. @default 'development' */
    env: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
      default: 'development',
    }),
    /** Interface to listen on. Use `0.0.0.0` in containers. @default '127.0.0.1' */
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    /** TCP port; 0 picks a free one. @default 8080 */
    port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
    /** Where the embedded store, generated secrets and uploads live. @default './data' */
    dataDir: Type.String({ default: './data', minLength: 1 }),
    /**
     * Which `X-Forwarded-For` entries to believe, for the client address per-IP limits see (as
     * Fastify's `trustProxy`): `false` none (the socket's address); a number, that many proxy hops
     * in front of the relay (`1` behind one nginx that appends to the header: the entry it added);
     * a comma-separated list of proxy addresses, CIDR ranges or the names `loopback`, `linklocal`
     * and `uniquelocal` (`172.28.0.10`, `10.0.0.0/8,127.0.0.1`); `true`
     * every entry, so the leftmost, which any client can write: only behind a proxy that
     * replaces the header. @default false
     */
    trustProxy: Type.Union(
      [Type.Boolean(), Type.Integer({ minimum: 0, maximum: 64 }), Type.String({ minLength: 1, pattern: '^[0-9A-Za-z:.,/ ]+$' })],
      {
        default: false,
      },
    ),
    /** Origins allowed to open a WebSocket from a browser; empty allows any. @default [] */
    allowedOrigins: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** pino log level. @default 'info' */
    logLevel: Type.Union(LogLevel.anyOf, { default: 'info' }),
    store: Type.Object(
      {
        /** Store adapter: `sqlite` (embedded, one node) or `postgres` (any number of nodes). @default 'sqlite' */
        driver: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { default: 'sqlite' }),
        /** Create or upgrade the schema when the relay starts (otherwise run `chat4all-relay migrate`). @default true */
        migrateOnStart: Type.Boolean({ default: true }),
        sqlite: Type.Object(
          {
            /** Database file; relative paths resolve against `dataDir`. @default 'chat4all.db' */
            path: Type.String({ default: 'chat4all.db', minLength: 1 }),
            /** SQLite `synchronous` pragma. `full` survives power loss; `normal` only process crashes. @default 'full' */
            synchronous: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full' }),
          },
          { default: {}, additionalProperties: false },
        ),
        postgres: Type.Object(
          {
            /** Connection URL, e.g. `postgres://chat4all:secret@db:5432/chat4all`. Required with the `postgres` driver. */
            url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
            /** Connections per relay node. @default 10 */
            poolSize: Type.Integer({ default: 10, minimum: 1 }),
            /** Schema for the relay's tables (created by migrate). @default the connection's search_path */
            schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$' })),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    bus: Type.Object(
      {
        /** Fan-out between nodes: `memory` (one node) or `redis` (Redis Streams, any number of nodes). @default 'memory' */
        driver: Type.Union([Type.Literal('memory'), Type.Literal('redis')], { default: 'memory' }),
        redis: Type.Object(
          {
            /** Redis URL, e.g. `redis://redis:6379`. Required with the `redis` driver. */
            url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
            /** Prefix of every key the relay uses, so several deployments can share one Redis. @default 'chat4all' */
            keyPrefix: Type.String({ default: 'chat4all', minLength: 1, pattern: '^[^{}\\s]+$' }),
            /** Fan-out streams; a conversation always maps to the same one, which keeps its order. @default 16 */
            partitions: Type.Integer({ default: 16, minimum: 1, maximum: 1024 }),
            /** Approximate length each stream is trimmed to (`XADD MAXLEN ~`). @default 10000 */
            streamMaxLength: Type.Integer({ default: 10_000, minimum: 100 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    auth: Type.Object(
      {
        /** HS256 secret for user tokens, at least 32 characters. Generated into `dataDir` when absent outside production. */
        appSecret: Type.Optional(Type.String({ minLength: 32 })),
        /** Key for the server API (`Authorization: Bearer <apiKey>`), at least 32 characters. Generated like `appSecret`. */
        apiKey: Type.Optional(Type.String({ minLength: 32, pattern: '^[^.]+$' })),
        /** `iss` of tokens signed with the app secret. @default 'chat4all' */
        issuer: Type.String({ default: 'chat4all', minLength: 1 }),
        /** `aud` every user token must carry. @default 'chat4all' */
        audience: Type.String({ default: 'chat4all', minLength: 1 }),
        /** Lifetime of access tokens the relay mints. @default 900 */
        accessTokenTtlSeconds: Type.Integer({ default: 900, minimum: 30 }),
        /** Lifetime of refresh tokens from built-in login. @default 2592000 (30 days) */
        refreshTokenTtlSeconds: Type.Integer({ default: 2_592_000, minimum: 60 }),
        /** Whether `/v1/auth/register`, `/login`, `/refresh` and `/logout` are served. @default true */
        builtIn: Type.Boolean({ default: true }),
        /** Verify RS256/ES256/EdDSA user tokens against keys published at a JWKS URL. */
        jwks: Type.Optional(
          Type.Object(
            {
              url: Type.String({ pattern: '^https?://' }),
              /** `iss` the JWKS-signed tokens carry. @default auth.issuer */
              issuer: Type.Optional(Type.String({ minLength: 1 })),
              /** Accepted algorithms. @default ['RS256', 'ES256', 'EdDSA'] */
              algorithms: Type.Array(Type.Union([Type.Literal('RS256'), Type.Literal('ES256'), Type.Literal('EdDSA')]), {
                default: ['RS256', 'ES256', 'EdDSA'],
                minItems: 1,
              }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    limits: Type.Object(
      {
        /** Longest message text, in characters. @default 4000 */
        textMaxLength: Type.Integer({ default: 4000, minimum: 1 }),
        /** Largest metadata object, in bytes of JSON. @default 4096 */
        metadataMaxBytes: Type.Integer({ default: 4096, minimum: 2 }),
        /** Frames above this get a `FRAME_TOO_LARGE` error frame and the socket stays open. @default 65536 */
        frameMaxBytes: Type.Integer({ default: 65_536, minimum: 1024 }),
        /** Frames above this close the socket with 1009. @default 1048576 */
        frameHardMaxBytes: Type.Integer({ default: 1_048_576, minimum: 1024 }),
        /** Largest HTTP JSON body. @default 1048576 */
        bodyMaxBytes: Type.Integer({ default: 1_048_576, minimum: 1024 }),
        /** Most appends committed in one transaction. @default 1000 */
        commitBatchMax: Type.Integer({ default: 1000, minimum: 1 }),
        /** Sends per user per minute (token bucket refill; the server API key is not limited). @default 1000 */
        messagesPerMinute: Type.Integer({ default: 1000, minimum: 1 }),
        /** Sends a user may make at once before the per-minute rate applies. @default 200 */
        messageBurst: Type.Integer({ default: 200, minimum: 1 }),
        /** WebSocket connection attempts per IP per minute. @default 300 */
        connectAttemptsPerMinutePerIp: Type.Integer({ default: 300, minimum: 1 }),
        /** Register, login and refresh calls per IP per minute. @default 30 */
        loginsPerMinutePerIp: Type.Integer({ default: 30, minimum: 1 }),
        /**
         * Logins per account (username, case-insensitive) per minute, from any address, on all
         * nodes together; checked before the password is hashed. @default 10
         */
        loginsPerMinutePerAccount: Type.Integer({ default: 10, minimum: 1 }),
        /**
         * Password hashes (register, login) each node computes at once, on worker threads of
         * their own; each takes 128 MiB while it runs. @default 2
         */
        passwordHashesInFlight: Type.Integer({ default: 2, minimum: 1, maximum: 64 }),
        /** Password hashes that may wait for one of those threads; beyond that, `503 AUTH_BUSY` at once. @default 8 */
        passwordHashQueue: Type.Integer({ default: 8, minimum: 0, maximum: 1000 }),
        /** Edits and deletes per user per minute, that many at once at most. @default 300 */
        editsPerMinute: Type.Integer({ default: 300, minimum: 1 }),
        /** Reactions added and removed per user per minute. @default 300 */
        reactionsPerMinute: Type.Integer({ default: 300, minimum: 1 }),
        /**
         * Reactions one user may have on one message; a new one past that replaces their oldest
         * (1: reacting again changes the reaction, as on WhatsApp and Messenger). @default 1
         */
        reactionsPerUserPerMessage: Type.Integer({ default: 1, minimum: 1, maximum: 20 }),
        /** Different reactions one message may have. @default 50 */
        reactionKeysPerMessage: Type.Integer({ default: 50, minimum: 1, maximum: 500 }),
        /** Typing updates per user per minute. @default 120 */
        typingPerMinute: Type.Integer({ default: 120, minimum: 1 }),
        /** Delivered and read receipts per user per minute. @default 600 */
        receiptsPerMinute: Type.Integer({ default: 600, minimum: 1 }),
        /** Resumes per user per minute (and one at a time per socket). @default 30 */
        resumesPerMinute: Type.Integer({ default: 30, minimum: 1 }),
        /** Token renewals (`auth` frames) per user per minute (and one at a time per socket). @default 10 */
        renewalsPerMinute: Type.Integer({ default: 10, minimum: 1 }),
        /** Conversations a user creates per minute. @default 30 */
        conversationsPerMinute: Type.Integer({ default: 30, minimum: 1 }),
        /** Members a user adds, removes or changes the role of per minute (each member counts once). @default 300 */
        memberChangesPerMinute: Type.Integer({ default: 300, minimum: 1 }),
        /** Uploads a user starts per minute (resumable and one-request). @default 30 */
        uploadsPerMinute: Type.Integer({ default: 30, minimum: 1 }),
        /** Uploads a user may have started and not finished at once. @default 20 */
        openUploadsPerUser: Type.Integer({ default: 20, minimum: 1 }),
        /** Bytes a user may declare in new uploads per day (refilled evenly over the day). @default 10737418240 (10 GiB) */
        uploadBytesPerDay: Type.Integer({ default: 10 * 1024 ** 3, minimum: 1 }),
        /**
         * A request body (an upload included) must be complete, or have sent at least
         * `bodyMinBytesPerSecond` on average, within each period this long, or its connection is
         * cut; request headers must be complete within it too. @default 30000
         */
        bodyTimeoutMs: Type.Integer({ default: 30_000, minimum: 100 }),
        /** The slowest body the relay keeps reading, averaged over each `bodyTimeoutMs`. @default 1024 */
        bodyMinBytesPerSecond: Type.Integer({ default: 1024, minimum: 1 }),
        /**
         * Open TCP connections (HTTP and WebSocket) one client address may hold; the next is closed
         * at once. Proxies `trustProxy` trusts are not counted: cap clients there. @default 256
         */
        connectionsPerIp: Type.Integer({ default: 256, minimum: 1 }),
        /** Open WebSockets per user. @default 20 */
        connectionsPerUser: Type.Integer({ default: 20, minimum: 1 }),
        /** Bytes a socket may have waiting (unsent plus held during resume) before it is closed with SLOW_CONSUMER. @default 4194304 */
        sendBufferBytes: Type.Integer({ default: 4 * 1024 * 1024, minimum: 16 * 1024 }),
      },
      { default: {}, additionalProperties: false },
    ),
    uploads: Type.Object(
      {
        /** Largest file, in bytes, a resumable (tus) upload may declare. @default 2147483648 (2 GiB) */
        maxBytes: Type.Integer({ default: 2 * 1024 ** 3, minimum: 1 }),
        /** Largest file one `multipart/form-data` request may carry. @default 26214400 (25 MiB) */
        smallMaxBytes: Type.Integer({ default: 25 * 1024 ** 2, minimum: 1 }),
        /** An upload not finished, or finished but attached to no message, is deleted this long after it began or finished. @default 86400000 (24 h) */
        expireAfterMs: Type.Integer({ default: 24 * 3600_000, minimum: 1_000 }),
        /**
         * Lifetime of the signed download links members get from `POST /v1/uploads/:id/link`. A link
         * is valid for between this and twice this, so links asked within one period are the same
         * URL and browsers cache the file. @default 300
         */
        linkTtlSeconds: Type.Integer({ default: 300, minimum: 10, maximum: 86_400 }),
        /** How often expired uploads are looked for. @default 60000 */
        sweepIntervalMs: Type.Integer({ default: 60_000, minimum: 100 }),
        /** Directory of the local upload store, relative to `dataDir` unless absolute. @default 'uploads' */
        dir: Type.String({ default: 'uploads', minLength: 1 }),
        /** `file` (local files under `dir`) or `s3` (a bucket in S3 or an S3-compatible store; needs `@tus/s3-store`). @default 'file' */
        driver: Type.Union([Type.Literal('file'), Type.Literal('s3')], { default: 'file' }),
        s3: Type.Object(
          {
            bucket: Type.Optional(Type.String({ minLength: 1 })),
            region: Type.Optional(Type.String()),
            /** URL of an S3-compatible store (MinIO…); path-style addressing is then used. */
            endpoint: Type.Optional(Type.String()),
            accessKeyId: Type.Optional(Type.String()),
            secretAccessKey: Type.Optional(Type.String()),
            /** Multipart part size. @default 8388608 (8 MiB) */
            partSize: Type.Integer({ default: 8 * 1024 * 1024, minimum: 5 * 1024 * 1024 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    /** The URL platforms and browsers reach this relay at (behind its proxy), e.g. `https://chat.example.com`. Used for Telegram's `setWebhook` and the links channels fetch files from. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^/]+(/.*[^/])?$' })),
    /** Channel accounts external contacts write from. @default [] */
    channels: Type.Array(ChannelConfigSchema, { default: [] }),
    dispatch: Type.Object(
      {
        /** Attempts of one delivery before it goes to the dead-letter queue. @default 8 */
        maxAttempts: Type.Integer({ default: 8, minimum: 1 }),
        /** Backoff: retry n waits a random time up to min(maxDelayMs, baseDelayMs × 2^(n-1)) (full jitter). @default 1000 */
        baseDelayMs: Type.Integer({ default: 1000, minimum: 1 }),
        /** @default 300000 */
        maxDelayMs: Type.Integer({ default: 300_000, minimum: 1 }),
        /** A worker holding a delivery this long without an outcome (it died) lets another take it. @default 60000 */
        leaseMs: Type.Integer({ default: 60_000, minimum: 100 }),
        /** Sends each node makes at once (to different contacts: one contact's messages always go one after another). @default 16 */
        concurrency: Type.Integer({ default: 16, minimum: 1, maximum: 1000 }),
        /** How often each node looks for deliveries due (retries, and any a dead node held). @default 1000 */
        pollIntervalMs: Type.Integer({ default: 1000, minimum: 10 }),
        /** Consecutive failures of a channel account that open its circuit. @default 5 */
        breakerFailures: Type.Integer({ default: 5, minimum: 1 }),
        /** An open circuit lets one trial send through after this long (half-open). @default 30000 */
        breakerHalfOpenAfterMs: Type.Integer({ default: 30_000, minimum: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    webhooks: Type.Object(
      {
        /** Let endpoints be on private, loopback or link-local addresses (development, or an internal network you trust). @default false */
        allowPrivateAddresses: Type.Boolean({ default: false }),
        /** Attempts of one call before it is given up. @default 8 */
        maxAttempts: Type.Integer({ default: 8, minimum: 1 }),
        /** Backoff between attempts: full jitter up to min(maxDelayMs, baseDelayMs × 2^(n-1)). @default 1000 */
        baseDelayMs: Type.Integer({ default: 1000, minimum: 1 }),
        /** @default 3600000 */
        maxDelayMs: Type.Integer({ default: 3_600_000, minimum: 1 }),
        /** A call taking longer fails (and is retried). @default 10000 */
        timeoutMs: Type.Integer({ default: 10_000, minimum: 100 }),
        /** An endpoint whose calls fail this many times in a row (each after its retries) is turned off. @default 5 */
        disableAfterFailures: Type.Integer({ default: 5, minimum: 1 }),
        /** How often each node looks for calls due. @default 1000 */
        pollIntervalMs: Type.Integer({ default: 1000, minimum: 10 }),
      },
      { default: {}, additionalProperties: false },
    ),
    realtime: Type.Object(
      {
        /** The relay pings every socket this often and drops one that missed the previous ping. @default 30000 */
        heartbeatIntervalMs: Type.Integer({ default: 30_000, minimum: 100 }),
        /** A typing indicator ends this long after its last renewal. @default 6000 */
        typingExpiryMs: Type.Integer({ default: 6_000, minimum: 100 }),
        /** An online user with no activity for this long becomes away. @default 300000 */
        awayAfterMs: Type.Integer({ default: 300_000, minimum: 100 }),
        /** After a user's last socket closes, they stay as they were this long before going offline. @default 5000 */
        offlineGraceMs: Type.Integer({ default: 5_000, minimum: 0 }),
        /**
         * Each node renews its sockets in the shared state a few times within this time; a node
         * that dies stops counting (connection limits, presence) this long after. @default 30000
         */
        connectionTtlMs: Type.Integer({ default: 30_000, minimum: 300 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type RelayConfig = Static<typeof RelayConfigSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
export type RelayConfigInput = DeepPartial<RelayConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`Invalid configuration: ${key}: ${message}`);
  }
}

/** Keys read from env as comma-separated lists. */
const LIST_KEYS = new Set(['allowedOrigins']);
/** Keys read from env as JSON. */
const JSON_KEYS = new Set(['channels']);

/** Env var → config key. `PORT`, `HOST` and `NODE_ENV` are honoured as the conventions they are. */
export const ENV_VARS: Record<string, string> = {
  NODE_ENV: 'env',
  HOST: 'host',
  PORT: 'port',
  CHAT4ALL_HOST: 'host',
  CHAT4ALL_PORT: 'port',
  CHAT4ALL_DATA_DIR: 'dataDir',
  CHAT4ALL_LOG_LEVEL: 'logLevel',
  CHAT4ALL_TRUST_PROXY: 'trustProxy',
  CHAT4ALL_ALLOWED_ORIGINS: 'allowedOrigins',
  CHAT4ALL_STORE: 'store.driver',
  CHAT4ALL_SQLITE_PATH: 'store.sqlite.path',
  CHAT4ALL_SQLITE_SYNCHRONOUS: 'store.sqlite.synchronous',
  CHAT4ALL_MIGRATE_ON_START: 'store.migrateOnStart',
  CHAT4ALL_POSTGRES_URL: 'store.postgres.url',
  CHAT4ALL_POSTGRES_POOL_SIZE: 'store.postgres.poolSize',
  CHAT4ALL_POSTGRES_SCHEMA: 'store.postgres.schema',
  CHAT4ALL_BUS: 'bus.driver',
  CHAT4ALL_REDIS_URL: 'bus.redis.url',
  CHAT4ALL_REDIS_KEY_PREFIX: 'bus.redis.keyPrefix',
  CHAT4ALL_REDIS_PARTITIONS: 'bus.redis.partitions',
  CHAT4ALL_REDIS_STREAM_MAX_LENGTH: 'bus.redis.streamMaxLength',
  CHAT4ALL_APP_SECRET: 'auth.appSecret',
  CHAT4ALL_API_KEY: 'auth.apiKey',
  CHAT4ALL_JWT_ISSUER: 'auth.issuer',
  CHAT4ALL_JWT_AUDIENCE: 'auth.audience',
  CHAT4ALL_ACCESS_TOKEN_TTL: 'auth.accessTokenTtlSeconds',
  CHAT4ALL_REFRESH_TOKEN_TTL: 'auth.refreshTokenTtlSeconds',
  CHAT4ALL_BUILTIN_AUTH: 'auth.builtIn',
  CHAT4ALL_JWKS_URL: 'auth.jwks.url',
  CHAT4ALL_JWKS_ISSUER: 'auth.jwks.issuer',
  CHAT4ALL_TEXT_MAX_LENGTH: 'limits.textMaxLength',
  CHAT4ALL_METADATA_MAX_BYTES: 'limits.metadataMaxBytes',
  CHAT4ALL_FRAME_MAX_BYTES: 'limits.frameMaxBytes',
  CHAT4ALL_FRAME_HARD_MAX_BYTES: 'limits.frameHardMaxBytes',
  CHAT4ALL_BODY_MAX_BYTES: 'limits.bodyMaxBytes',
  CHAT4ALL_COMMIT_BATCH_MAX: 'limits.commitBatchMax',
  CHAT4ALL_SEND_BUFFER_BYTES: 'limits.sendBufferBytes',
  CHAT4ALL_MESSAGES_PER_MINUTE: 'limits.messagesPerMinute',
  CHAT4ALL_MESSAGE_BURST: 'limits.messageBurst',
  CHAT4ALL_CONNECT_ATTEMPTS_PER_MINUTE_PER_IP: 'limits.connectAttemptsPerMinutePerIp',
  CHAT4ALL_LOGINS_PER_MINUTE_PER_IP: 'limits.loginsPerMinutePerIp',
  CHAT4ALL_LOGINS_PER_MINUTE_PER_ACCOUNT: 'limits.loginsPerMinutePerAccount',
  CHAT4ALL_PASSWORD_HASHES_IN_FLIGHT: 'limits.passwordHashesInFlight',
  CHAT4ALL_PASSWORD_HASH_QUEUE: 'limits.passwordHashQueue',
  CHAT4ALL_CONNECTIONS_PER_USER: 'limits.connectionsPerUser',
  CHAT4ALL_EDITS_PER_MINUTE: 'limits.editsPerMinute',
  CHAT4ALL_REACTIONS_PER_MINUTE: 'limits.reactionsPerMinute',
  CHAT4ALL_REACTIONS_PER_USER_PER_MESSAGE: 'limits.reactionsPerUserPerMessage',
  CHAT4ALL_REACTION_KEYS_PER_MESSAGE: 'limits.reactionKeysPerMessage',
  CHAT4ALL_TYPING_PER_MINUTE: 'limits.typingPerMinute',
  CHAT4ALL_RECEIPTS_PER_MINUTE: 'limits.receiptsPerMinute',
  CHAT4ALL_RESUMES_PER_MINUTE: 'limits.resumesPerMinute',
  CHAT4ALL_RENEWALS_PER_MINUTE: 'limits.renewalsPerMinute',
  CHAT4ALL_CONVERSATIONS_PER_MINUTE: 'limits.conversationsPerMinute',
  CHAT4ALL_MEMBER_CHANGES_PER_MINUTE: 'limits.memberChangesPerMinute',
  CHAT4ALL_UPLOADS_PER_MINUTE: 'limits.uploadsPerMinute',
  CHAT4ALL_OPEN_UPLOADS_PER_USER: 'limits.openUploadsPerUser',
  CHAT4ALL_UPLOAD_BYTES_PER_DAY: 'limits.uploadBytesPerDay',
  CHAT4ALL_BODY_TIMEOUT_MS: 'limits.bodyTimeoutMs',
  CHAT4ALL_BODY_MIN_BYTES_PER_SECOND: 'limits.bodyMinBytesPerSecond',
  CHAT4ALL_CONNECTIONS_PER_IP: 'limits.connectionsPerIp',
  CHAT4ALL_UPLOAD_MAX_BYTES: 'uploads.maxBytes',
  CHAT4ALL_UPLOAD_SMALL_MAX_BYTES: 'uploads.smallMaxBytes',
  CHAT4ALL_UPLOAD_EXPIRE_AFTER_MS: 'uploads.expireAfterMs',
  CHAT4ALL_UPLOAD_SWEEP_INTERVAL_MS: 'uploads.sweepIntervalMs',
  CHAT4ALL_UPLOAD_LINK_TTL_SECONDS: 'uploads.linkTtlSeconds',
  CHAT4ALL_UPLOAD_DIR: 'uploads.dir',
  CHAT4ALL_UPLOAD_STORE: 'uploads.driver',
  CHAT4ALL_S3_BUCKET: 'uploads.s3.bucket',
  CHAT4ALL_S3_REGION: 'uploads.s3.region',
  CHAT4ALL_S3_ENDPOINT: 'uploads.s3.endpoint',
  CHAT4ALL_S3_ACCESS_KEY_ID: 'uploads.s3.accessKeyId',
  CHAT4ALL_S3_SECRET_ACCESS_KEY: 'uploads.s3.secretAccessKey',
  CHAT4ALL_S3_PART_SIZE: 'uploads.s3.partSize',
  CHAT4ALL_HEARTBEAT_INTERVAL_MS: 'realtime.heartbeatIntervalMs',
  CHAT4ALL_TYPING_EXPIRY_MS: 'realtime.typingExpiryMs',
  CHAT4ALL_AWAY_AFTER_MS: 'realtime.awayAfterMs',
  CHAT4ALL_OFFLINE_GRACE_MS: 'realtime.offlineGraceMs',
  CHAT4ALL_CONNECTION_TTL_MS: 'realtime.connectionTtlMs',
  CHAT4ALL_PUBLIC_URL: 'publicUrl',
  CHAT4ALL_CHANNELS: 'channels',
  CHAT4ALL_DISPATCH_MAX_ATTEMPTS: 'dispatch.maxAttempts',
  CHAT4ALL_DISPATCH_BASE_DELAY_MS: 'dispatch.baseDelayMs',
  CHAT4ALL_DISPATCH_MAX_DELAY_MS: 'dispatch.maxDelayMs',
  CHAT4ALL_DISPATCH_LEASE_MS: 'dispatch.leaseMs',
  CHAT4ALL_DISPATCH_POLL_INTERVAL_MS: 'dispatch.pollIntervalMs',
  CHAT4ALL_DISPATCH_CONCURRENCY: 'dispatch.concurrency',
  CHAT4ALL_BREAKER_FAILURES: 'dispatch.breakerFailures',
  CHAT4ALL_BREAKER_HALF_OPEN_AFTER_MS: 'dispatch.breakerHalfOpenAfterMs',
  CHAT4ALL_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'webhooks.allowPrivateAddresses',
  CHAT4ALL_WEBHOOKS_MAX_ATTEMPTS: 'webhooks.maxAttempts',
  CHAT4ALL_WEBHOOKS_TIMEOUT_MS: 'webhooks.timeoutMs',
  CHAT4ALL_WEBHOOKS_DISABLE_AFTER_FAILURES: 'webhooks.disableAfterFailures',
};

/**
 * Reads the configuration the CLI and Docker image use: the JSON file named by `file` (or
 * `CHAT4ALL_CONFIG`), overlaid by env vars. Values from env are strings; numbers and
 * booleans are coerced by the schema.
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; file?: string } = {}): RelayConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CHAT4ALL_CONFIG;
  let input: Record<string, unknown> = {};
  if (file) {
    try {
      input = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError('CHAT4ALL_CONFIG', `cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const sources = new Map<string, string>();
  for (const [name, key] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    // CHAT4ALL_* beats the bare convention (PORT, HOST) when both are set.
    if (sources.has(key) && !name.startsWith('CHAT4ALL_')) continue;
    if (JSON_KEYS.has(key)) {
      try {
        setPath(input, key, JSON.parse(value));
      } catch (error) {
        throw new ConfigError(`${key} (from ${name})`, `not valid JSON: ${(error as Error).message}`);
      }
      sources.set(key, name);
      continue;
    }
    setPath(
      input,
      key,
      key === 'trustProxy'
        ? trustProxyFrom(value)
        : LIST_KEYS.has(key)
          ? value
              .split(',')
              .map((item) => item.trim())
              .filter(Boolean)
          : value,
    );
    sources.set(key, name);
  }
  return resolveConfig(input, sources);
}

/** `true`/`false`, a hop count, or a list of addresses, as written in `CHAT4ALL_TRUST_PROXY`. */
function trustProxyFrom(value: string): boolean | number | string {
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** Fills defaults, coerces env strings, and validates; throws a ConfigError naming the first bad key. */
export function resolveConfig(input: RelayConfigInput | Record<string, unknown> = {}, sources = new Map<string, string>()): RelayConfig {
  const value: unknown = Value.Default(RelayConfigSchema, Value.Convert(RelayConfigSchema, structuredClone(input)));
  const error = channelError(value) ?? Value.Errors(RelayConfigSchema, value).First();
  if (error) {
    const key = pointerToKey(error.path) || '(root)';
    const from = sources.get(key);
    throw new ConfigError(from ? `${key} (from ${from})` : key, describe(error.schema, error.message, error.value));
  }
  const config = value as RelayConfig;
  const required: Array<[boolean, string, string]> = [
    [config.store.driver === 'postgres' && !config.store.postgres.url, 'store.postgres.url', "the 'postgres' store"],
    [config.bus.driver === 'redis' && !config.bus.redis.url, 'bus.redis.url', "the 'redis' bus"],
    [config.uploads.driver === 's3' && !config.uploads.s3.bucket, 'uploads.s3.bucket', "the 's3' upload store"],
  ];
  const ids = new Set<string>();
  for (const channel of config.channels) {
    if (ids.has(channel.id)) throw new ConfigError('channels', `two channel accounts have the id ${JSON.stringify(channel.id)}`);
    ids.add(channel.id);
  }
  for (const [missing, key, what] of required) {
    if (!missing) continue;
    const env = Object.keys(ENV_VARS).find((name) => ENV_VARS[name] === key);
    throw new ConfigError(key, `required by ${what} (set it or ${env})`);
  }
  return config;
}

/** A channel account checked against the schema of its `type`, so the error names the field, not the union. */
function channelError(value: unknown) {
  const channels = (value as { channels?: unknown }).channels;
  if (!Array.isArray(channels)) return undefined;
  for (const [index, channel] of channels.entries()) {
    const type = (channel as { type?: unknown } | null)?.type;
    const schema = ChannelConfigSchema.anyOf.find((s) => s.properties.type.const === type);
    if (!schema) continue;
    const error = Value.Errors(schema, channel).First();
    if (error) return { ...error, path: `/channels/${index}${error.path}` };
  }
  return undefined;
}

function describe(schema: TSchema, message: string, value: unknown): string {
  if (schema.anyOf && (schema.anyOf as TSchema[]).every((s) => s.const !== undefined)) {
    const options = (schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(', ');
    return `expected one of ${options}, got ${JSON.stringify(value)}`;
  }
  return `${message.toLowerCase()}, got ${JSON.stringify(value)}`;
}

function pointerToKey(pointer: string): string {
  return pointer.split('/').filter(Boolean).join('.');
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}
