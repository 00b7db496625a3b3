import { Type } from '@sinclair/typebox';

/** `push`: push notifications and their providers (see the relay's `push/`). */
export const PushConfigSchema = Type.Object(
  {
    /** @default false */
    enabled: Type.Boolean({ default: false }),
    /** Devices one user may register; one more is refused with `TOO_MANY_DEVICES`. @default 10 */
    devicesPerUser: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
    /**
     * What a push carries besides the conversation and message ids: `'full'` the sender and
     * the text, `'sender'` the sender only, `'none'` nothing more (the app fetches the message). @default 'sender'
     */
    content: Type.Union([Type.Literal('full'), Type.Literal('sender'), Type.Literal('none')], { default: 'sender' }),
    /**
     * A member with a live socket who has sent no frame on any of their sockets for this long
     * is away and gets pushes too; 0: only members without a live socket on any node are away. @default 0
     */
    awayAfterMs: Type.Integer({ default: 0, minimum: 0, maximum: 86_400_000 }),
    /** Whether a mention in a conversation the member muted still notifies, for users who have not set `mutedMentions`. @default false */
    mentionsInMutedConversations: Type.Boolean({ default: false }),
    /** How long the push service keeps a push for a device that is offline, in seconds (the `TTL` header). @default 86400 */
    ttlSeconds: Type.Integer({ default: 86_400, minimum: 0, maximum: 2_419_200 }),
    /** Time for one request to the push service. @default 10000 */
    timeoutMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 60_000 }),
    /** Attempts of one push the push service answers with 429 or 5xx (or does not answer) before it is given up. @default 3 */
    maxAttempts: Type.Integer({ default: 3, minimum: 1, maximum: 10 }),
    /** Backoff between attempts: full jitter up to baseDelayMs × 2^(n-1), or the service's `Retry-After`. @default 1000 */
    baseDelayMs: Type.Integer({ default: 1000, minimum: 1 }),
    /**
     * Accept `http:` subscription endpoints. Browsers' push services are all `https:`; this is
     * for a push service on a closed network, and tests. @default false
     */
    allowInsecureEndpoints: Type.Boolean({ default: false }),
    /**
     * Accept endpoints on private, loopback or link-local addresses. A subscription's endpoint
     * is a URL its user chose, so without this a user could make the relay post into its own
     * network. Tests and closed networks only. @default false
     */
    allowPrivateAddresses: Type.Boolean({ default: false }),
    /** The VAPID key pair (RFC 8292) that identifies this relay to push services; `npx web-push generate-vapid-keys` makes one. */
    vapid: Type.Object(
      {
        /** The P-256 public key, base64url (65 bytes uncompressed); browsers subscribe with it as `applicationServerKey`. */
        publicKey: Type.Optional(Type.String({ minLength: 1 })),
        /** The private key, base64url (32 bytes). A secret. */
        privateKey: Type.Optional(Type.String({ minLength: 1 })),
        /** A `mailto:` or `https:` URL push services can reach the operator at. */
        subject: Type.Optional(Type.String({ pattern: '^(mailto:|https:)' })),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Firebase Cloud Messaging (HTTP v1 API) for `fcm` devices: a service account of the
     * Firebase project with the `cloudmessaging.messages.create` permission (Firebase console,
     * Project settings, Service accounts, Generate new private key). Off without one.
     */
    fcm: Type.Object(
      {
        /** The service account key, the JSON as Google gives it (`client_email`, `private_key`, `token_uri`, `project_id`). A secret. */
        serviceAccount: Type.Optional(Type.String({ minLength: 1 })),
        /** A file holding the service account key JSON, instead of `serviceAccount`. */
        serviceAccountFile: Type.Optional(Type.String({ minLength: 1 })),
        /** The Firebase project id pushes are sent as. @default the service account's `project_id` */
        projectId: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })),
        /** The FCM API origin; `{url}/v1/projects/{projectId}/messages:send` is posted to. @default 'https://fcm.googleapis.com' */
        url: Type.String({ default: 'https://fcm.googleapis.com', pattern: '^https?://' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /**
     * Apple Push Notification service (HTTP/2 provider API, token-based) for `apns` devices:
     * an APNs authentication key (a `.p8` file) with its key id, the team id, and the app's
     * bundle id. Off without them.
     */
    apns: Type.Object(
      {
        /** The 10-character id of the APNs authentication key. */
        keyId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{10}$' })),
        /** The 10-character Apple Developer team id. */
        teamId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{10}$' })),
        /** The authentication key, the `.p8` file's PEM text (a P-256 private key). A secret. */
        privateKey: Type.Optional(Type.String({ minLength: 1 })),
        /** A file holding the `.p8` key, instead of `privateKey`. */
        privateKeyFile: Type.Optional(Type.String({ minLength: 1 })),
        /** The app's bundle id, sent as `apns-topic`. */
        topic: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        /** The APNs origin for devices registered with `environment: "production"`. @default 'https://api.push.apple.com' */
        productionUrl: Type.String({ default: 'https://api.push.apple.com', pattern: '^https://' }),
        /** The APNs origin for devices registered with `environment: "sandbox"`. @default 'https://api.sandbox.push.apple.com' */
        sandboxUrl: Type.String({ default: 'https://api.sandbox.push.apple.com', pattern: '^https://' }),
        /**
         * A PEM file of certificate authorities trusted for the APNs origins, instead of the
         * system's. For tests against a local APNs with a self-signed certificate; never set
         * it in production.
         */
        caFile: Type.Optional(Type.String({ minLength: 1 })),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
