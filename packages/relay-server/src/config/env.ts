import { ConfigError } from './error.js';

/** Keys read from env as comma-separated lists. */
const LIST_KEYS = new Set(['allowedOrigins', 'moderation.links.domains', 'bus.redis.sentinels']);
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
  CHAT4ALL_TRACING: 'tracing.enabled',
  CHAT4ALL_TRACING_SERVICE_NAME: 'tracing.serviceName',
  CHAT4ALL_TRACING_SAMPLE_RATIO: 'tracing.sampleRatio',
  CHAT4ALL_TRACING_OTLP_URL: 'tracing.otlp.url',
  CHAT4ALL_TRUST_PROXY: 'trustProxy',
  CHAT4ALL_ALLOWED_ORIGINS: 'allowedOrigins',
  CHAT4ALL_STORE: 'store.driver',
  CHAT4ALL_SQLITE_PATH: 'store.sqlite.path',
  CHAT4ALL_SQLITE_SYNCHRONOUS: 'store.sqlite.synchronous',
  CHAT4ALL_SQLITE_EXCLUSIVE: 'store.sqlite.exclusive',
  CHAT4ALL_MIGRATE_ON_START: 'store.migrateOnStart',
  CHAT4ALL_POSTGRES_URL: 'store.postgres.url',
  CHAT4ALL_POSTGRES_POOL_SIZE: 'store.postgres.poolSize',
  CHAT4ALL_POSTGRES_SCHEMA: 'store.postgres.schema',
  CHAT4ALL_BUS: 'bus.driver',
  CHAT4ALL_REDIS_URL: 'bus.redis.url',
  CHAT4ALL_REDIS_SENTINELS: 'bus.redis.sentinels',
  CHAT4ALL_REDIS_SENTINEL_NAME: 'bus.redis.sentinelName',
  CHAT4ALL_REDIS_SENTINEL_PASSWORD: 'bus.redis.sentinelPassword',
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
  CHAT4ALL_PINS_PER_MINUTE: 'limits.pinsPerMinute',
  CHAT4ALL_PINS_PER_CONVERSATION: 'limits.pinsPerConversation',
  CHAT4ALL_TYPING_PER_MINUTE: 'limits.typingPerMinute',
  CHAT4ALL_RECEIPTS_PER_MINUTE: 'limits.receiptsPerMinute',
  CHAT4ALL_SETTINGS_PER_MINUTE: 'limits.settingsPerMinute',
  CHAT4ALL_DEVICES_PER_MINUTE: 'limits.devicesPerMinute',
  CHAT4ALL_PRIVACY_REQUESTS_PER_MINUTE: 'limits.privacyRequestsPerMinute',
  CHAT4ALL_BLOCKS_PER_MINUTE: 'limits.blocksPerMinute',
  CHAT4ALL_REPORTS_PER_MINUTE: 'limits.reportsPerMinute',
  CHAT4ALL_SEARCHES_PER_MINUTE: 'limits.searchesPerMinute',
  CHAT4ALL_PRESENCE_SUBSCRIPTIONS_PER_MINUTE: 'limits.presenceSubscriptionsPerMinute',
  CHAT4ALL_PRESENCE_SUBSCRIPTIONS_PER_CONNECTION: 'limits.presenceSubscriptionsPerConnection',
  CHAT4ALL_PINNED_CONVERSATIONS: 'limits.pinnedConversations',
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
  CHAT4ALL_UPLOAD_THUMBNAILS: 'uploads.thumbnails.enabled',
  CHAT4ALL_UPLOAD_THUMBNAIL_MAX_INPUT_BYTES: 'uploads.thumbnails.maxInputBytes',
  CHAT4ALL_UPLOAD_THUMBNAIL_MAX_INPUT_PIXELS: 'uploads.thumbnails.maxInputPixels',
  CHAT4ALL_UPLOAD_THUMBNAIL_SIZE: 'uploads.thumbnails.size',
  CHAT4ALL_UPLOAD_THUMBNAIL_TIMEOUT_SECONDS: 'uploads.thumbnails.timeoutSeconds',
  CHAT4ALL_UPLOAD_POSTER_MAX_BYTES: 'uploads.thumbnails.maxPosterBytes',
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
  CHAT4ALL_MODERATION_BEFORE_SEND_URL: 'moderation.beforeSend.url',
  CHAT4ALL_MODERATION_BEFORE_SEND_SECRET: 'moderation.beforeSend.secret',
  CHAT4ALL_MODERATION_BEFORE_SEND_TIMEOUT_MS: 'moderation.beforeSend.timeoutMs',
  CHAT4ALL_MODERATION_BEFORE_SEND_FALLBACK: 'moderation.beforeSend.fallback',
  CHAT4ALL_MODERATION_LINKS_POLICY: 'moderation.links.policy',
  CHAT4ALL_MODERATION_LINK_DOMAINS: 'moderation.links.domains',
  CHAT4ALL_PREVIEWS_ENABLED: 'previews.enabled',
  CHAT4ALL_PREVIEWS_ALLOW_PRIVATE_ADDRESSES: 'previews.allowPrivateAddresses',
  CHAT4ALL_PREVIEWS_TIMEOUT_MS: 'previews.timeoutMs',
  CHAT4ALL_PREVIEWS_MAX_BYTES: 'previews.maxBytes',
  CHAT4ALL_PREVIEWS_CACHE_SECONDS: 'previews.cacheSeconds',
  CHAT4ALL_PUSH_ENABLED: 'push.enabled',
  CHAT4ALL_PUSH_DEVICES_PER_USER: 'push.devicesPerUser',
  CHAT4ALL_PUSH_CONTENT: 'push.content',
  CHAT4ALL_PUSH_TTL_SECONDS: 'push.ttlSeconds',
  CHAT4ALL_PUSH_AWAY_AFTER_MS: 'push.awayAfterMs',
  CHAT4ALL_PUSH_MENTIONS_IN_MUTED_CONVERSATIONS: 'push.mentionsInMutedConversations',
  CHAT4ALL_PUSH_ALLOW_INSECURE_ENDPOINTS: 'push.allowInsecureEndpoints',
  CHAT4ALL_PUSH_ALLOW_PRIVATE_ADDRESSES: 'push.allowPrivateAddresses',
  CHAT4ALL_VAPID_PUBLIC_KEY: 'push.vapid.publicKey',
  CHAT4ALL_VAPID_PRIVATE_KEY: 'push.vapid.privateKey',
  CHAT4ALL_VAPID_SUBJECT: 'push.vapid.subject',
  CHAT4ALL_FCM_SERVICE_ACCOUNT: 'push.fcm.serviceAccount',
  CHAT4ALL_FCM_SERVICE_ACCOUNT_FILE: 'push.fcm.serviceAccountFile',
  CHAT4ALL_FCM_PROJECT_ID: 'push.fcm.projectId',
  CHAT4ALL_FCM_URL: 'push.fcm.url',
  CHAT4ALL_APNS_KEY_ID: 'push.apns.keyId',
  CHAT4ALL_APNS_TEAM_ID: 'push.apns.teamId',
  CHAT4ALL_APNS_PRIVATE_KEY: 'push.apns.privateKey',
  CHAT4ALL_APNS_PRIVATE_KEY_FILE: 'push.apns.privateKeyFile',
  CHAT4ALL_APNS_TOPIC: 'push.apns.topic',
  CHAT4ALL_APNS_PRODUCTION_URL: 'push.apns.productionUrl',
  CHAT4ALL_APNS_SANDBOX_URL: 'push.apns.sandboxUrl',
  CHAT4ALL_APNS_CA_FILE: 'push.apns.caFile',
  CHAT4ALL_PRIVACY_ERASE_MODE: 'privacy.eraseMode',
  CHAT4ALL_PRIVACY_EXPORT_KEEP_MS: 'privacy.exportKeepMs',
  CHAT4ALL_RETENTION_MESSAGE_DAYS: 'retention.messageDays',
  CHAT4ALL_RETENTION_SWEEP_INTERVAL_MS: 'retention.sweepIntervalMs',
};

/** The first env var that sets `key`, for an error that tells the operator what to set. */
export function envVarOf(key: string): string | undefined {
  return Object.keys(ENV_VARS).find((name) => ENV_VARS[name] === key);
}

/**
 * Writes the `CHAT4ALL_*` env vars (and `PORT`, `HOST`, `NODE_ENV`) set in `env` over `input`,
 * as strings the schema coerces, lists split at commas and JSON parsed; returns which env var
 * each key came from, so an error can name it.
 */
export function overlayEnv(input: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
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
  return sources;
}

/** `true`/`false`, a hop count, or a list of addresses, as written in `CHAT4ALL_TRUST_PROXY`. */
function trustProxyFrom(value: string): boolean | number | string {
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  return /^\d+$/.test(text) ? Number(text) : text;
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
