import { DEVICE_COLUMNS, type DeviceRow, deviceRowOf, toDevice } from '../rows/devices.js';
import type { DeviceInput, DeviceOutcome, DevicesRepository, StoredDevice } from '../types.js';
import type { SqliteDb } from './db.js';

/** Push devices in SQLite. */
export class SqliteDevices implements DevicesRepository {
  readonly #db: SqliteDb;

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  async register(input: DeviceInput): Promise<DeviceOutcome> {
    const { id, userId, now, max } = input;
    const address = deviceRowOf(input);
    return this.#db.transaction(() => {
      const held = this.#db.get<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM push_devices d WHERE d.endpoint = ?`, address.endpoint);
      if (held?.user_id === userId) {
        const { p256dh, auth, environment } = address;
        this.#db.run(
          'UPDATE push_devices SET p256dh = ?, auth = ?, environment = ?, updated_at = ? WHERE id = ?',
          p256dh,
          auth,
          environment,
          now,
          held.id,
        );
        return { ok: true as const, device: toDevice({ ...held, p256dh, auth, environment, updated_at: now }), created: false };
      }
      const { count } = this.#db.get<{ count: number }>('SELECT COUNT(*) AS count FROM push_devices WHERE user_id = ?', userId) ?? {
        count: 0,
      };
      if (count >= max) return { ok: false as const, code: 'TOO_MANY_DEVICES' as const };
      if (held) this.#db.run('DELETE FROM push_devices WHERE id = ?', held.id);
      const row: DeviceRow = { id, user_id: userId, ...address, created_at: now, updated_at: now };
      this.#db.run(
        `INSERT INTO push_devices (id, user_id, kind, endpoint, token, environment, p256dh, auth, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        row.user_id,
        row.kind,
        row.endpoint,
        row.token,
        row.environment,
        row.p256dh,
        row.auth,
        now,
        now,
      );
      return { ok: true as const, device: toDevice(row), created: true };
    });
  }

  async list(userId: string): Promise<StoredDevice[]> {
    return this.#db
      .all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM push_devices d WHERE d.user_id = ? ORDER BY d.created_at, d.id`, userId)
      .map(toDevice);
  }

  async remove(userId: string, id: string): Promise<boolean> {
    return this.#db.run('DELETE FROM push_devices WHERE id = ? AND user_id = ?', id, userId).changes > 0;
  }

  async forget(id: string): Promise<boolean> {
    return this.#db.run('DELETE FROM push_devices WHERE id = ?', id).changes > 0;
  }
}
