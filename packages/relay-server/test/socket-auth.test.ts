import { randomBytes, randomUUID } from 'node:crypto';
import { type AuthSession, ERROR_CODES } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, APP_SECRET, type RunningRelay, signedToken, startRelay, type TestSocket, twoNodes } from './fixtures.js';

/** A user token from the server API that expires in `ttlSeconds` (whole seconds: `exp` has no finer grain). */
async function tokenFor(relay: RunningRelay, userId: string, ttlSeconds: number): Promise<string> {
  const minted = await relay.http<{ token: string }>('POST', `/v1/users/${userId}/tokens`, { as: API_KEY, body: { ttlSeconds } });
  return minted.body.token;
}

const expiredToken = (sub: string) => signedToken(APP_SECRET, sub, -5);

const expOf = (token: string): number =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number }).exp * 1000;

describe('a socket lives as long as its token', () => {
  let relay: RunningRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('is closed with TOKEN_EXPIRED (4440, retryable) when its token expires, and the welcome says when', async () => {
    const { id } = await relay.user();
    const token = await tokenFor(relay, id, 1);
    const socket = await relay.connect(token);
    expect(socket.frames[0]).toMatchObject({ type: 'welcome', tokenExpiresAt: new Date(expOf(token)).toISOString() });
    const closed = await socket.closed;
    expect(closed).toEqual({ code: ERROR_CODES.TOKEN_EXPIRED.closeCode, reason: 'TOKEN_EXPIRED' });
    expect(Date.now()).toBeGreaterThanOrEqual(expOf(token) - 50);
  });

  it('stays open past the first expiry once renewed over the socket, until the new token expires', async () => {
    const { id } = await relay.user();
    const first = await tokenFor(relay, id, 1);
    const second = await tokenFor(relay, id, 3);
    const socket = await relay.connect(first);
    const renewed = await socket.request({ type: 'auth', token: second });
    expect(renewed).toEqual({ type: 'ack', id: renewed.id, result: { expiresAt: new Date(expOf(second)).toISOString() } });
    const closed = await socket.closed;
    expect(closed.code).toBe(ERROR_CODES.TOKEN_EXPIRED.closeCode);
    // Closed at the renewed token's expiry, two seconds after the first one's.
    expect(Date.now()).toBeGreaterThanOrEqual(expOf(second) - 50);
  });

  it('refuses another user’s token, the API key, a bad and an expired token, and the socket keeps its own', async () => {
    const [ana, bob] = [await relay.user(), await relay.user()];
    const socket = await relay.connect(ana.token);
    const refusals = [
      [bob.token, 'FORBIDDEN'],
      [API_KEY, 'FORBIDDEN'],
      ['not.a.token', 'UNAUTHENTICATED'],
      [await expiredToken(ana.id), 'TOKEN_EXPIRED'],
    ] as const;
    for (const [token, code] of refusals) {
      expect(await socket.request({ type: 'auth', token })).toMatchObject({ type: 'error', error: { code } });
    }
    expect((await socket.request({ type: 'ping' })).type).toBe('ack');
    // Still Ana's: her events reach it, and it expires when her original token does.
    const conversation = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: bob.token,
      body: { type: 'private', userId: ana.id },
    });
    await relay.http('POST', `/v1/conversations/${conversation.body.id}/messages`, {
      as: bob.token,
      body: { id: randomUUID(), text: 'still yours' },
    });
    await socket.waitFor((f) => f.type === 'message.created' && f.message.text === 'still yours');
    // A good renewal afterwards shows the refusals changed nothing: the expiry moves from Ana's original token's.
    const fresh = await tokenFor(relay, ana.id, 1200);
    expect(await socket.request({ type: 'auth', token: fresh })).toMatchObject({
      type: 'ack',
      result: { expiresAt: new Date(expOf(fresh)).toISOString() },
    });
  });

  it('checks one renewal at a time per socket', async () => {
    const { id, token } = await relay.user();
    const socket = await relay.connect(token);
    const fresh = await tokenFor(relay, id, 600);
    socket.send({ type: 'auth', id: 'a1', token: fresh });
    socket.send({ type: 'auth', id: 'a2', token: fresh });
    const replies = [await socket.reply('a1'), await socket.reply('a2')];
    expect(replies.map((r) => (r.type === 'ack' ? 'ack' : r.error.code))).toEqual(['ack', 'RATE_LIMITED']);
  });
});

describe('ending a built-in login closes its sockets on every node', () => {
  let nodes: Awaited<ReturnType<typeof twoNodes>>;
  let a: RunningRelay;
  let b: RunningRelay;

  beforeAll(async () => {
    nodes = await twoNodes();
    ({ a, b } = nodes);
  });
  afterAll(() => nodes.close());

  const register = async (node: RunningRelay, username: string, password = 'password-123') =>
    (await node.http<AuthSession>('POST', '/v1/auth/register', { body: { username, password } })).body;
  const login = async (node: RunningRelay, username: string, password = 'password-123') =>
    (await node.http<AuthSession>('POST', '/v1/auth/login', { body: { username, password } })).body;
  const revokedClose = { code: ERROR_CODES.SESSION_REVOKED.closeCode, reason: 'SESSION_REVOKED' };
  const alive = async (socket: TestSocket) => (await socket.request({ type: 'ping' })).type === 'ack';

  it('on logout: the sockets of that login close on both nodes, another login’s stay, and its token no longer opens one', async () => {
    const username = `lo${randomBytes(4).toString('hex')}`;
    const phone = await register(a, username);
    const laptop = await login(b, username);
    const [onA, onB, other] = [await a.connect(phone.accessToken), await b.connect(phone.accessToken), await b.connect(laptop.accessToken)];

    expect((await a.http('POST', '/v1/auth/logout', { body: { refreshToken: phone.refreshToken } })).status).toBe(204);
    expect(await onA.closed).toEqual(revokedClose);
    expect(await onB.closed).toEqual(revokedClose);
    expect(await alive(other)).toBe(true);

    // The access token still verifies until it expires, but its login is over.
    const again = await b.connect(phone.accessToken).catch((error: unknown) => error);
    expect(String(again)).toMatch(/SESSION_REVOKED/);
    const renewed = await other.request({ type: 'auth', token: phone.accessToken });
    expect(renewed).toMatchObject({ type: 'error', error: { code: 'SESSION_REVOKED' } });
    expect(await alive(other)).toBe(true);
  });

  it('on refresh-token reuse: the whole family’s sockets close on both nodes', async () => {
    const session = await register(b, `re${randomBytes(4).toString('hex')}`);
    const rotated = (await a.http<AuthSession>('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } })).body;
    const [onA, onB] = [await a.connect(session.accessToken), await b.connect(rotated.accessToken)];

    const reuse = await b.http<{ code: string }>('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect(await onA.closed).toEqual(revokedClose);
    expect(await onB.closed).toEqual(revokedClose);
  });
});
