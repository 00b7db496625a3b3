import { DEVICE_COLUMNS, type DeviceRow, deviceRowOf, toDevice } from '../rows/devices.js';
import type { DeviceInput, DeviceOutcome, DevicesRepository, StoredDevice } from '../types.js';
import type { PostgresDb } from './db.js';

/** Push devices in PostgreSQL. */
export class PostgresDevices implements DevicesRepository {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async register(input: DeviceInput): Promise<DeviceOutcome> {
    const { id, userId, now, max } = input;
    const address = deviceRowOf(input);
    return this.#db.transaction(async (tx) => {
      // The user's row first: two registrations of one user take turns, so the limit holds.
      await tx`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`;
      const [held] = await tx<
        DeviceRow[]
      >`SELECT ${tx.unsafe(DEVICE_COLUMNS)} FROM push_devices d WHERE d.endpoint = ${address.endpoint} FOR UPDATE`;
      if (held?.user_id === userId) {
        const { p256dh, auth, environment } = address;
        await tx`UPDATE push_devices SET p256dh = ${p256dh}, auth = ${auth}, environment = ${environment}, updated_at = ${now}
          WHERE id = ${held.id}`;
        return { ok: true as const, device: toDevice({ ...held, p256dh, auth, environment, updated_at: now }), created: false };
      }
      const [counted] = await tx<{ count: number }[]>`SELECT COUNT(*)::int AS count FROM push_devices WHERE user_id = ${userId}`;
      if ((counted?.count ?? 0) >= max) return { ok: false as const, code: 'TOO_MANY_DEVICES' as const };
      if (held) await tx`DELETE FROM push_devices WHERE id = ${held.id}`;
      const row: DeviceRow = { id, user_id: userId, ...address, created_at: now, updated_at: now };
      await tx`INSERT INTO push_devices (id, user_id, kind, endpoint, token, environment, p256dh, auth, created_at, updated_at)
        VALUES (${id}, ${userId}, ${row.kind}, ${row.endpoint}, ${row.token}, ${row.environment}, ${row.p256dh}, ${row.auth}, ${now}, ${now})`;
      return { ok: true as const, device: toDevice(row), created: true };
    });
  }

  async list(userId: string): Promise<StoredDevice[]> {
    const rows = await this.#db.sql<DeviceRow[]>`SELECT ${this.#db.sql.unsafe(DEVICE_COLUMNS)} FROM push_devices d
      WHERE d.user_id = ${userId} ORDER BY d.created_at, d.id`;
    return rows.map(toDevice);
  }

  async remove(userId: string, id: string): Promise<boolean> {
    return (await this.#db.sql`DELETE FROM push_devices WHERE id = ${id} AND user_id = ${userId}`).count > 0;
  }

  async forget(id: string): Promise<boolean> {
    return (await this.#db.sql`DELETE FROM push_devices WHERE id = ${id}`).count > 0;
  }
}
