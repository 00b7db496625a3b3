/**
 * The PostgreSQL and Redis that integration tests share (CI starts them when they are down),
 * and the clean-up of what a test made in them. `postgres` and `ioredis` are loaded only when
 * a clean-up runs, so the contract suites need neither installed.
 */

/** `CHAT4ALL_TEST_POSTGRES_URL`, or the machine's PostgreSQL, database `test`. */
export const POSTGRES_URL = process.env.CHAT4ALL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** `CHAT4ALL_TEST_REDIS_URL`, or the machine's Redis. */
export const REDIS_URL = process.env.CHAT4ALL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Drops the schemas a test made in the shared PostgreSQL. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  for (const schema of schemas) await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await sql.end();
}

/** Deletes the keys a test made under `prefix` in a Redis (the shared one by default). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
