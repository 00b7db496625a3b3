import type { Device } from '@chat4all/protocol';

/** A registered device with what sending to it takes: its Web Push keys, or its APNs environment. */
export interface StoredDevice extends Device {
  userId: string;
  /** Web Push only ('' for other kinds). */
  p256dh: string;
  /** Web Push only ('' for other kinds). */
  auth: string;
  /** APNs only: the environment its token was issued for. */
  environment?: 'production' | 'sandbox';
}

/** Where a device gets its pushes: a Web Push subscription, or an FCM or APNs token. */
export type DeviceAddress =
  | { kind?: 'webpush'; endpoint: string; p256dh: string; auth: string }
  | { kind: 'fcm'; token: string }
  | { kind: 'apns'; token: string; environment: 'production' | 'sandbox' };

/** One device to register for `userId`; `id` is used only when it is new. */
export type DeviceInput = DeviceAddress & {
  id: string;
  userId: string;
  now: number;
  /** Devices a user may have (`push.devicesPerUser`). */
  max: number;
};

export type DeviceOutcome = { ok: true; device: StoredDevice; created: boolean } | { ok: false; code: 'TOO_MANY_DEVICES' };

/**
 * The devices each user gets push notifications on. An endpoint (Web Push) or a token (FCM,
 * APNs) belongs to one device of one user: registering it again updates it, and registering it
 * as another user (someone else signed in on that browser or app) moves it to them.
 */
export interface DevicesRepository {
  /** Registers or updates in one transaction; a new device past `max` is refused. */
  register(input: DeviceInput): Promise<DeviceOutcome>;
  /** The user's devices, oldest first. */
  list(userId: string): Promise<StoredDevice[]>;
  /** Removes one of the user's devices; false when they have none with that id. */
  remove(userId: string, id: string): Promise<boolean>;
  /** Removes a device the push service says is gone; false when it was already removed. */
  forget(id: string): Promise<boolean>;
}
