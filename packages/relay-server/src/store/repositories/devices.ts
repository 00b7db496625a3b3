import type { Device } from '@chat4all/protocol';

/** A registered device with what sending to it takes: its Web Push keys. */
export interface StoredDevice extends Device {
  userId: string;
  p256dh: string;
  auth: string;
}

/** One Web Push subscription to register for `userId`; `id` is used only when it is new. */
export interface DeviceInput {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  now: number;
  /** Devices a user may have (`push.devicesPerUser`). */
  max: number;
}

export type DeviceOutcome = { ok: true; device: StoredDevice; created: boolean } | { ok: false; code: 'TOO_MANY_DEVICES' };

/**
 * The devices each user gets push notifications on. An endpoint belongs to one device of one
 * user: registering it again updates its keys, and registering it as another user (someone
 * else signed in on that browser) moves it to them.
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
