import { iso } from '../../shared/time.js';
import type { DeviceInput, StoredDevice } from '../repositories/devices.js';

export const DEVICE_COLUMNS = 'd.id, d.user_id, d.kind, d.endpoint, d.token, d.environment, d.p256dh, d.auth, d.created_at, d.updated_at';

export interface DeviceRow {
  id: string;
  user_id: string;
  kind: string;
  /** The Web Push endpoint, or `<kind>:<token>` for FCM and APNs: the column each device is unique by. */
  endpoint: string;
  token: string | null;
  environment: string | null;
  p256dh: string;
  auth: string;
  created_at: number;
  updated_at: number;
}

/** The row a registration writes (its `id` and times aside, which the adapter sets). */
export function deviceRowOf(input: DeviceInput): Pick<DeviceRow, 'kind' | 'endpoint' | 'token' | 'environment' | 'p256dh' | 'auth'> {
  switch (input.kind) {
    case 'fcm':
      return { kind: 'fcm', endpoint: `fcm:${input.token}`, token: input.token, environment: null, p256dh: '', auth: '' };
    case 'apns':
      return { kind: 'apns', endpoint: `apns:${input.token}`, token: input.token, environment: input.environment, p256dh: '', auth: '' };
    default:
      return { kind: 'webpush', endpoint: input.endpoint, token: null, environment: null, p256dh: input.p256dh, auth: input.auth };
  }
}

export function toDevice(row: DeviceRow): StoredDevice {
  const common = {
    id: row.id,
    userId: row.user_id,
    p256dh: row.p256dh,
    auth: row.auth,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
  if (row.kind === 'fcm') return { ...common, kind: 'fcm', token: row.token ?? '' };
  if (row.kind === 'apns')
    return { ...common, kind: 'apns', token: row.token ?? '', environment: row.environment === 'sandbox' ? 'sandbox' : 'production' };
  return { ...common, kind: 'webpush', endpoint: row.endpoint };
}
