import { iso } from '../../shared/time.js';
import type { StoredDevice } from '../repositories/devices.js';

export const DEVICE_COLUMNS = 'd.id, d.user_id, d.endpoint, d.p256dh, d.auth, d.created_at, d.updated_at';

export interface DeviceRow {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
  updated_at: number;
}

export function toDevice(row: DeviceRow): StoredDevice {
  return {
    id: row.id,
    kind: 'webpush',
    userId: row.user_id,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
