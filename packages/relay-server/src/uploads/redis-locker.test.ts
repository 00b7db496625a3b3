import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL } from '../../test/fixtures.js';
import { RedisLocker } from './redis-locker.js';

const keyPrefix = `test:${randomBytes(6).toString('hex')}`;

describe('RedisLocker: the tus upload lock shared by relay nodes', () => {
  const lockers: RedisLocker[] = [];
  const node = (options: { acquireTimeoutMs?: number; ttlMs?: number } = {}) => {
    const locker = new RedisLocker({ url: REDIS_URL, keyPrefix, ...options });
    lockers.push(locker);
    return locker;
  };
  afterEach(async () => {
    for (const locker of lockers.splice(0)) await locker.close();
  });
  afterAll(() => deleteKeys(keyPrefix));
  const id = () => randomBytes(8).toString('hex');

  it('asks the holder on another node to let go, then hands the lock over', async () => {
    const [a, b] = [node(), node()];
    const upload = id();
    const held = a.newLock(upload);
    let released = false;
    await held.lock(new AbortController().signal, async () => {
      // What @tus/server does on a release request: end the request, then unlock.
      released = true;
      await held.unlock();
    });
    const next = b.newLock(upload);
    await next.lock(new AbortController().signal, () => {});
    expect(released).toBe(true);
    await next.unlock();
  });

  it('fails with the tus lock timeout when the holder keeps the lock, and when the request is aborted', async () => {
    const [a, b] = [node(), node({ acquireTimeoutMs: 300 })];
    const upload = id();
    await a.newLock(upload).lock(new AbortController().signal, () => {});
    await expect(b.newLock(upload).lock(new AbortController().signal, () => {})).rejects.toMatchObject({ status_code: 500 });
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      node()
        .newLock(upload)
        .lock(aborted.signal, () => {}),
    ).rejects.toMatchObject({ status_code: 500 });
  });

  it('frees the lock of a node that died holding it once its time to live passes', async () => {
    const dead = node({ ttlMs: 300 });
    const upload = id();
    await dead.newLock(upload).lock(new AbortController().signal, () => {});
    await dead.close();
    const next = node().newLock(upload);
    await next.lock(new AbortController().signal, () => {});
    await next.unlock();
  });
});
