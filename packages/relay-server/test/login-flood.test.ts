import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../src/index.js';
import { deleteKeys, dropSchemas, POSTGRES_URL, peakRss, REDIS_URL, type RunningRelay, startRelay } from './fixtures.js';

/** Memory of one password hash at the relay's cost (scrypt N=2^17, r=8). */
const HASH_BYTES = 128 * 1024 * 1024;
/** Every request here comes from 127.0.0.1; the per-IP limit is lifted so it is not what refuses. */
const MANY_ADDRESSES = { loginsPerMinutePerIp: 100_000 };

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { code?: string; retryable?: boolean; details?: { retryAfterMs?: number } };
}

async function login(relay: RunningRelay, username: string, password = 'not the password'): Promise<Answer> {
  const response = await fetch(`${relay.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Answer['body'] };
}

async function register(relay: RunningRelay, username: string, password: string): Promise<void> {
  const registered = await relay.http('POST', '/v1/auth/register', { body: { username, password } });
  expect(registered.status).toBe(201);
}

describe('a login flood', () => {
  let relay: RunningRelay;
  afterEach(() => relay.close());

  it('is refused beyond the hashing queue while JWT requests and WebSocket connects are served', async () => {
    const limits = { ...MANY_ADDRESSES, passwordHashesInFlight: 2, passwordHashQueue: 8 };
    relay = await startRelay({ limits });
    const reader = await relay.user();
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: reader.token,
      body: { type: 'group', memberIds: [] },
    });
    await relay.http('POST', `/v1/conversations/${conv.body.id}/messages`, { as: reader.token, body: { id: randomUUID(), text: 'hi' } });
    const rssBefore = peakRss(process.pid);

    // 40 wrong passwords to as many unknown names (each costs a full hash against the decoy).
    const total = 40;
    const answers: Answer[] = [];
    let firstRefusal: () => void = () => {};
    const refused = new Promise<void>((resolve) => {
      firstRefusal = resolve;
    });
    const flood = Array.from({ length: total }, (_, i) =>
      login(relay, `flood-${i}`).then((answer) => {
        answers.push(answer);
        if (answer.status === 503) firstRefusal();
      }),
    );
    // Once one is refused, every hashing slot and queue place is taken.
    await refused;

    const history = await relay.http<{ messages: unknown[] }>('GET', `/v1/conversations/${conv.body.id}/messages`, { as: reader.token });
    expect(history.status).toBe(200);
    expect(history.body.messages).toHaveLength(1);
    const socket = await relay.connect(reader.token);
    socket.close();
    // Both were answered while the accepted logins were still hashing.
    expect(answers.length).toBeLessThan(total);

    await Promise.all(flood);
    const busy = answers.filter((answer) => answer.status === 503);
    const tried = answers.filter((answer) => answer.status === 401);
    expect(busy.length + tried.length).toBe(total);
    expect(tried.length).toBeGreaterThanOrEqual(limits.passwordHashesInFlight + limits.passwordHashQueue);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(answer.body).toMatchObject({ code: 'AUTH_BUSY', retryable: true, details: { retryAfterMs: expect.any(Number) } });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Only the hashes in flight hold their memory (plus one for slack); unbounded, 40 at once would hold far more.
    expect(peakRss(process.pid) - rssBefore).toBeLessThan((limits.passwordHashesInFlight + 1) * HASH_BYTES);
  });

  it('is throttled per account, whatever the address, before any hashing', async () => {
    relay = await startRelay({ limits: { ...MANY_ADDRESSES, loginsPerMinutePerAccount: 3 } });
    await register(relay, 'victim', 'victim-password');
    await register(relay, 'bystander', 'bystander-password');

    for (let i = 0; i < 3; i++) expect((await login(relay, 'victim')).body.code).toBe('INVALID_CREDENTIALS');
    const throttled = await login(relay, 'victim', 'victim-password');
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { retryAfterMs: expect.any(Number) } });
    expect(Number(throttled.retryAfter)).toBeGreaterThanOrEqual(1);
    // Usernames match case-insensitively in the store, and so in the throttle.
    expect((await login(relay, 'VICTIM')).body.code).toBe('RATE_LIMITED');

    expect((await login(relay, 'bystander', 'bystander-password')).status).toBe(200);
  });
});

describe('the per-account login throttle on two nodes', () => {
  const schema = `flood_${randomBytes(6).toString('hex')}`;
  const keyPrefix = `test:${randomBytes(6).toString('hex')}`;
  const nodes: RunningRelay[] = [];
  afterAll(async () => {
    for (const node of nodes) await node.close();
    await dropSchemas([schema]);
    await deleteKeys(keyPrefix);
  });

  it('holds across nodes sharing Redis', async () => {
    const config: RelayConfigInput = {
      limits: { ...MANY_ADDRESSES, loginsPerMinutePerAccount: 3 },
      store: { driver: 'postgres', migrateOnStart: true, postgres: { url: POSTGRES_URL, schema, poolSize: 2 } },
      bus: { driver: 'redis', redis: { url: REDIS_URL, keyPrefix, partitions: 2 } },
    };
    nodes.push(await startRelay(config));
    nodes.push(await startRelay(config));
    const [a, b] = nodes as [RunningRelay, RunningRelay];
    await register(a, 'victim', 'victim-password');
    await register(a, 'bystander', 'bystander-password');

    expect((await login(a, 'victim')).body.code).toBe('INVALID_CREDENTIALS');
    expect((await login(b, 'victim')).body.code).toBe('INVALID_CREDENTIALS');
    expect((await login(a, 'victim')).body.code).toBe('INVALID_CREDENTIALS');
    // The fourth, on the node that saw only one, is over the account's limit.
    expect((await login(b, 'victim', 'victim-password')).body.code).toBe('RATE_LIMITED');
    expect((await login(a, 'victim', 'victim-password')).body.code).toBe('RATE_LIMITED');

    expect((await login(b, 'bystander', 'bystander-password')).status).toBe(200);
  });
});
