import { type Static, Type } from '@sinclair/typebox';
import { Id, MessageId, Timestamp } from './models.js';
import { Nullable } from './nullable.js';

/**
 * A browser's Web Push subscription, as `PushSubscription.toJSON()` gives it (W3C Push API):
 * the push service's endpoint and the keys the payload is encrypted to (RFC 8291): `p256dh`
 * the user agent's P-256 public key, uncompressed (65 bytes, so 87 base64url characters
 * starting with `B`), and `auth` its 16-byte secret (22 characters). Padding is tolerated.
 */
export const WebPushSubscription = Type.Object(
  {
    /** The push service URL the relay posts to; `https:` unless the relay allows otherwise. */
    endpoint: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Omitted or null when the subscription does not expire. */
    expirationTime: Type.Optional(Nullable(Type.Number())),
    keys: Type.Object(
      {
        p256dh: Type.String({ pattern: '^B[A-Za-z0-9_-]{86}=?$' }),
        auth: Type.String({ pattern: '^[A-Za-z0-9_-]{22}(==)?$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type WebPushSubscription = Static<typeof WebPushSubscription>;

/** A Web Push subscription: a browser's `PushSubscription.toJSON()`. */
export const RegisterWebPushDevice = Type.Object(
  {
    kind: Type.Literal('webpush'),
    subscription: WebPushSubscription,
  },
  { additionalProperties: false },
);

/**
 * An FCM registration token, as the Firebase SDK gives it (`getToken()`): an opaque string
 * of printable ASCII (about 160 characters today; up to 4096 taken).
 */
export const RegisterFcmDevice = Type.Object(
  {
    kind: Type.Literal('fcm'),
    token: Type.String({ minLength: 1, maxLength: 4096, pattern: '^[\\x21-\\x7E]+$' }),
  },
  { additionalProperties: false },
);

/**
 * An APNs device token, hex as an app gets it from
 * `application(_:didRegisterForRemoteNotificationsWithDeviceToken:)` (32 bytes today, so 64
 * characters; up to 200 taken), and the APNs environment it was issued for: `"sandbox"` for
 * a development build, `"production"` (the default) otherwise.
 */
export const RegisterApnsDevice = Type.Object(
  {
    kind: Type.Literal('apns'),
    token: Type.String({ pattern: '^[0-9A-Fa-f]{64,200}$' }),
    environment: Type.Optional(Type.Union([Type.Literal('production'), Type.Literal('sandbox')])),
  },
  { additionalProperties: false },
);

/**
 * `POST /v1/me/devices`: registers one of the caller's devices, by kind; the same endpoint
 * (Web Push) or token (FCM, APNs) again updates it.
 */
export const RegisterDeviceBody = Type.Union([RegisterWebPushDevice, RegisterFcmDevice, RegisterApnsDevice]);
export type RegisterDeviceBody = Static<typeof RegisterDeviceBody>;

export const DeviceKind = Type.Union([Type.Literal('webpush'), Type.Literal('fcm'), Type.Literal('apns')]);
export type DeviceKind = Static<typeof DeviceKind>;

/**
 * A device that gets the user's push notifications: a Web Push subscription's `endpoint`, or
 * an FCM or APNs `token`. Web Push keys are never given back.
 */
export const Device = Type.Object({
  id: Id,
  kind: DeviceKind,
  /** The push service URL (`webpush` only). */
  endpoint: Type.Optional(Type.String()),
  /** The registration or device token (`fcm` and `apns` only). */
  token: Type.Optional(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Device = Static<typeof Device>;

export const DeviceList = Type.Object({ devices: Type.Array(Device) });
export type DeviceList = Static<typeof DeviceList>;

/** Why a push about a message was sent: the user is mentioned, it is a reply in a thread they take part in, or any message. */
export const PushReason = Type.Union([Type.Literal('mention'), Type.Literal('reply'), Type.Literal('message')]);
export type PushReason = Static<typeof PushReason>;

/**
 * `GET /v1/push`: what a browser needs to subscribe. `enabled`: the relay sends pushes
 * (`push.enabled`); `vapidPublicKey`: the relay's VAPID public key (RFC 8292), the
 * `applicationServerKey` of `PushManager.subscribe()`, whenever one is configured, else null.
 */
export const PushInfo = Type.Object({
  enabled: Type.Boolean(),
  vapidPublicKey: Type.Union([Type.String(), Type.Null()]),
});
export type PushInfo = Static<typeof PushInfo>;

/**
 * What a push about a new message carries once decrypted, as JSON: always the conversation,
 * the message, why the user is notified (`reason`) and, for a thread reply, the thread's root
 * (`threadId`); the sender and text only when the relay's `push.content` says so (`'full'`:
 * both, `'sender'`: the sender only, `'none'`: neither, the app fetches the message itself).
 */
export const PushPayload = Type.Object({
  type: Type.Literal('message'),
  conversationId: Id,
  messageId: MessageId,
  seq: Type.Integer({ minimum: 1 }),
  reason: PushReason,
  /** The root of the thread the message is a reply in; absent for a message not in a thread. */
  threadId: Type.Optional(MessageId),
  sender: Type.Optional(Type.Object({ id: Type.Union([Id, Type.Null()]), displayName: Type.Union([Type.String(), Type.Null()]) })),
  text: Type.Optional(Type.String()),
});
export type PushPayload = Static<typeof PushPayload>;

/**
 * Sent to a user's devices when they read a conversation on any device after a push about it:
 * it has the conversation's collapse key, so it replaces a push still waiting at the push
 * service, and a service worker closes the notifications of the conversation up to `seq`.
 */
export const PushReadPayload = Type.Object({
  type: Type.Literal('read'),
  conversationId: Id,
  /** The user's read horizon: messages up to this seq are read. */
  seq: Type.Integer({ minimum: 0 }),
});
export type PushReadPayload = Static<typeof PushReadPayload>;
