import { type Static, Type } from '@sinclair/typebox';
import { ChannelConfigSchema } from './channels.js';
import { ModerationConfigSchema } from './moderation.js';
import { PreviewsConfigSchema } from './previews.js';
import { PrivacyConfigSchema, RetentionConfigSchema } from './privacy.js';
import { PushConfigSchema } from './push.js';
import { TracingConfigSchema } from './tracing.js';

const LogLevel = Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)));

/**
 * The relay's whole configuration. Every key has a default except the secrets, which are
 * generated into the data dir outside production. Read by `loadConfig` from a JSON
 * file and `CHAT4ALL_*` env vars; `resolveConfig` fills defaults and validates.
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
            /**
             * Hold the file alone (WAL in exclusive locking mode): reads take no shared lock, and a
             * second process cannot open it. `false` lets other processes read it while the relay
             * runs (backup or replication tools such as Litestream). @default true
             */
            exclusive: Type.Boolean({ default: true }),
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
            /** Redis URL, e.g. `redis://redis:6379`. Required with the `redis` driver, unless `sentinels` name the Sentinels to ask (then its password, database and TLS still apply; its host does not). */
            url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
            /** Redis Sentinels (`host:port`) that know the primary: nodes ask them for it, and follow it when they fail over. */
            sentinels: Type.Optional(Type.Array(Type.String({ pattern: '^[^\\s:]+:\\d+$' }), { minItems: 1 })),
            /** The name the Sentinels monitor the primary under (`sentinel monitor <name> …`). @default 'mymaster' */
            sentinelName: Type.String({ default: 'mymaster', minLength: 1 }),
            /** The Sentinels' own password (`requirepass` in their config), if they have one. */
            sentinelPassword: Type.Optional(Type.String({ minLength: 1 })),
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
        /** Pins and unpins per user per minute. @default 60 */
        pinsPerMinute: Type.Integer({ default: 60, minimum: 1 }),
        /** Pinned messages one conversation may have at once (lapsed pins and deleted messages do not count). @default 100 */
        pinsPerConversation: Type.Integer({ default: 100, minimum: 1, maximum: 1000 }),
        /** Typing updates per user per minute. @default 120 */
        typingPerMinute: Type.Integer({ default: 120, minimum: 1 }),
        /** Delivered and read receipts per user per minute. @default 600 */
        receiptsPerMinute: Type.Integer({ default: 600, minimum: 1 }),
        /** Changes of a user's own settings (a conversation's mute, archive, pin, mark unread; push preferences) per minute. @default 120 */
        settingsPerMinute: Type.Integer({ default: 120, minimum: 1 }),
        /** Push device registrations and removals per user per minute. @default 30 */
        devicesPerMinute: Type.Integer({ default: 30, minimum: 1 }),
        /** Data exports and erasures asked per user (self-service, or by the server API key for that user) per minute. @default 2 */
        privacyRequestsPerMinute: Type.Integer({ default: 2, minimum: 1 }),
        /** Blocks and unblocks per user per minute. @default 30 */
        blocksPerMinute: Type.Integer({ default: 30, minimum: 1 }),
        /** Reports of messages per user per minute. @default 10 */
        reportsPerMinute: Type.Integer({ default: 10, minimum: 1 }),
        /** Message searches and user directory searches per user per minute, together. @default 60 */
        searchesPerMinute: Type.Integer({ default: 60, minimum: 1 }),
        /** `presence.subscribe` frames per user per minute. @default 120 */
        presenceSubscriptionsPerMinute: Type.Integer({ default: 120, minimum: 1 }),
        /** Users whose presence one socket may watch at once. @default 1000 */
        presenceSubscriptionsPerConnection: Type.Integer({ default: 1000, minimum: 1, maximum: 10_000 }),
        /** Conversations one user may have pinned to the top of their list; pinning one more is refused. @default 5 */
        pinnedConversations: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
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
        /**
         * Thumbnails of image uploads (JPEG, PNG, WebP, GIF, AVIF), made with `sharp` when the last
         * byte arrives and stored beside the file: WebP, inside `size`×`size`, never enlarged.
         */
        thumbnails: Type.Object(
          {
            /** @default true */
            enabled: Type.Boolean({ default: true }),
            /** Larger images get no thumbnail. @default 26214400 (25 MiB) */
            maxInputBytes: Type.Integer({ default: 25 * 1024 ** 2, minimum: 1 }),
            /** Images of more pixels (width × height) get no thumbnail: a decompression bomb is refused before it is decoded. @default 50000000 */
            maxInputPixels: Type.Integer({ default: 50_000_000, minimum: 1 }),
            /** The box a thumbnail fits inside, in pixels. @default 320 */
            size: Type.Integer({ default: 320, minimum: 16, maximum: 2048 }),
            /** An image that takes longer to scale gets no thumbnail. @default 10 */
            timeoutSeconds: Type.Integer({ default: 10, minimum: 1, maximum: 300 }),
            /** The largest poster (a still of a video, `PUT /v1/uploads/:id/poster`) taken, in bytes. @default 2097152 (2 MiB) */
            maxPosterBytes: Type.Integer({ default: 2 * 1024 ** 2, minimum: 1024, maximum: 25 * 1024 ** 2 }),
          },
          { default: {}, additionalProperties: false },
        ),
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
    /**
     * What the relay lets through, checked on every new message (from apps and from contacts'
     * channels) before it is stored: words and patterns, links, file types, then the app's
     * before-send hook. Nothing is checked unless configured.
     */
    moderation: ModerationConfigSchema,
    /**
     * Link previews: the relay fetches the pages linked in messages' text (OpenGraph, oEmbed, or
     * the page's title and description) and adds what it finds to the message. Off unless
     * enabled: it makes the relay fetch URLs any member writes.
     */
    previews: PreviewsConfigSchema,
    /**
     * Push notifications (Web Push, FCM, APNs): a member who is away (no live socket on any
     * node, or idle for `awayAfterMs`) gets a push on each of their registered devices for a new
     * message, as their push preferences and mutes allow. Off unless enabled; needs at least one
     * provider (a VAPID key pair, an FCM service account, or an APNs key).
     */
    push: PushConfigSchema,
    privacy: PrivacyConfigSchema,
    retention: RetentionConfigSchema,
    /**
     * OpenTelemetry tracing: a span per request and frame, the append and its commit batch, the
     * publish and each node's fan-out, each dispatch attempt and platform call, each app webhook
     * call, exported over OTLP/HTTP. Off unless enabled.
     */
    tracing: TracingConfigSchema,
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
