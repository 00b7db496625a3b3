import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthSession } from '@chat4all/protocol';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_KEY, APP_SECRET, type RunningRelay, startRelay, TestSocket } from './fixtures.js';

const secret = new TextEncoder().encode(APP_SECRET);
const now = () => Math.floor(Date.now() / 1000);

function userToken(claims: { sub?: string; iss?: string; aud?: string; exp?: number } = {}, key: Uint8Array = secret) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? 'ana')
    .setIssuer(claims.iss ?? 'chat4all')
    .setAudience(claims.aud ?? 'chat4all')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? now() + 600)
    .sign(key);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('user tokens (HS256 with the app secret)', () => {
  let relay: RunningRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  const me = (token: string) => relay.http<{ code?: string; id?: string }>('GET', '/v1/me', { as: token });

  it('accepts a valid token and creates the user on first sight, named from the name claim', async () => {
    const token = await new SignJWT({ name: 'Ana Lima' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ana-first')
      .setIssuer('chat4all')
      .setAudience('chat4all')
      .setExpirationTime('10m')
      .sign(secret);
    const response = await me(token);
    expect(response).toMatchObject({ status: 200, body: { id: 'ana-first', displayName: 'Ana Lima' } });
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const response = await me(await userToken({ exp: now() - 10 }));
    expect(response).toMatchObject({ status: 401, body: { code: 'TOKEN_EXPIRED', retryable: true } });
  });

  it('refuses a wrong signature, a wrong audience, a wrong issuer and alg none', async () => {
    const wrongKey = new TextEncoder().encode('another-secret-another-secret-another-secret');
    const good = await userToken();
    const [header, payload] = good.split('.');
    const cases = [
      await userToken({}, wrongKey),
      await userToken({ aud: 'someone-else' }),
      await userToken({ iss: 'evil' }),
      `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${header}.${payload}.`,
      'not.a.jwt',
    ];
    for (const token of cases) {
      const response = await me(token);
      expect(response, token).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', retryable: false } });
    }
  });

  it('refuses a missing credential and a wrong API key', async () => {
    expect(await relay.http('GET', '/v1/me')).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await relay.http('PUT', '/v1/users/x', { as: 'sk_wrong_key_but_long_enough_to_look_real', body: {} })).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    });
  });

  it('keeps user tokens off server routes and the API key off user routes', async () => {
    const token = await userToken();
    expect(await relay.http('PUT', '/v1/users/x', { as: token, body: {} })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await relay.http('GET', '/v1/me', { as: API_KEY })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('closes a WebSocket with a bad or expired token with the documented close codes', async () => {
    const bad = await TestSocket.open(`${relay.wsUrl}?access_token=garbage.token.here`);
    expect(await bad.next()).toMatchObject({ type: 'error', id: null, error: { code: 'UNAUTHENTICATED' } });
    expect(await bad.closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
    const expired = await TestSocket.open(`${relay.wsUrl}?access_token=${await userToken({ exp: now() - 1 })}`);
    expect(await expired.closed).toEqual({ code: 4440, reason: 'TOKEN_EXPIRED' });
    const none = await TestSocket.open(relay.wsUrl);
    expect(await none.closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
    const server = await TestSocket.open(`${relay.wsUrl}?access_token=${API_KEY}`);
    expect(await server.next()).toMatchObject({
      type: 'error',
      error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('user token') },
    });
    expect(await server.closed).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
  });

  it('accepts the token in the Authorization header on the upgrade too', async () => {
    const ws = new WebSocket(relay.wsUrl, { headers: { authorization: `Bearer ${await userToken()}` } });
    const first = await new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    expect(JSON.parse(first)).toMatchObject({ type: 'welcome', userId: 'ana', protocolVersion: 1 });
    ws.close();
  });
});

describe('user tokens from a JWKS URL', () => {
  let jwksServer: Server;
  let relay: RunningRelay;
  let privateKey: CryptoKey;
  afterEach(async () => {
    await relay?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  it('accepts RS256 tokens signed by a published key and refuses HS256 tokens forged with the public key', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    relay = await startRelay({
      auth: { jwks: { url: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: 'https://auth.example', algorithms: ['RS256'] } },
    });

    const sign = (alg: string, key: CryptoKey | Uint8Array, kid?: string) =>
      new SignJWT({})
        .setProtectedHeader(kid ? { alg, kid } : { alg })
        .setSubject('rsa-user')
        .setIssuer('https://auth.example')
        .setAudience('chat4all')
        .setExpirationTime('5m')
        .sign(key);
    const ok = await relay.http('GET', '/v1/me', { as: await sign('RS256', privateKey, 'k1') });
    expect(ok).toMatchObject({ status: 200, body: { id: 'rsa-user' } });

    const other = await generateKeyPair('RS256');
    const unknownKey = await relay.http('GET', '/v1/me', { as: await sign('RS256', other.privateKey, 'k1') });
    expect(unknownKey).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });

    const es = await generateKeyPair('ES256');
    const wrongAlg = await relay.http('GET', '/v1/me', { as: await sign('ES256', es.privateKey, 'k1') });
    expect(wrongAlg).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });

    const publicPem = new TextEncoder().encode(await exportSPKI(pair.publicKey));
    const confused = await relay.http('GET', '/v1/me', { as: await sign('HS256', publicPem, 'k1') });
    expect(confused).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });
});

describe('built-in accounts', () => {
  let relay: RunningRelay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('registers, logs in, rotates refresh tokens and revokes the family when one is reused', async () => {
    const registered = await relay.http<AuthSession>('POST', '/v1/auth/register', {
      body: { username: 'carla', password: 'correct horse battery', displayName: 'Carla' },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.user.displayName).toBe('Carla');
    expect((await relay.http('GET', '/v1/me', { as: registered.body.accessToken })).status).toBe(200);

    const taken = await relay.http('POST', '/v1/auth/register', { body: { username: 'Carla', password: 'another password' } });
    expect(taken).toMatchObject({ status: 409, body: { code: 'USERNAME_TAKEN' } });

    const wrong = await relay.http('POST', '/v1/auth/login', { body: { username: 'carla', password: 'wrong password' } });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    const unknown = await relay.http('POST', '/v1/auth/login', { body: { username: 'nobody', password: 'whatever' } });
    expect(unknown).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });

    const login = await relay.http<AuthSession>('POST', '/v1/auth/login', {
      body: { username: 'carla', password: 'correct horse battery' },
    });
    expect(login.status).toBe(200);
    const r1 = login.body.refreshToken;
    const rotated = await relay.http<AuthSession>('POST', '/v1/auth/refresh', { body: { refreshToken: r1 } });
    expect(rotated.status).toBe(200);
    const r2 = rotated.body.refreshToken;
    expect(r2).not.toBe(r1);
    expect((await relay.http('GET', '/v1/me', { as: rotated.body.accessToken })).status).toBe(200);

    // r1 again: reuse. The family (r2 included) is revoked; the registration's family is not.
    const reused = await relay.http('POST', '/v1/auth/refresh', { body: { refreshToken: r1 } });
    expect(reused).toMatchObject({ status: 401, body: { code: 'REFRESH_TOKEN_REUSED' } });
    const afterReuse = await relay.http('POST', '/v1/auth/refresh', { body: { refreshToken: r2 } });
    expect(afterReuse).toMatchObject({ status: 401, body: { code: 'REFRESH_TOKEN_INVALID' } });
    const otherFamily = await relay.http('POST', '/v1/auth/refresh', { body: { refreshToken: registered.body.refreshToken } });
    expect(otherFamily.status).toBe(200);

    const logout = await relay.http('POST', '/v1/auth/logout', { body: { refreshToken: (otherFamily.body as AuthSession).refreshToken } });
    expect(logout.status).toBe(204);
    const afterLogout = await relay.http('POST', '/v1/auth/refresh', {
      body: { refreshToken: (otherFamily.body as AuthSession).refreshToken },
    });
    expect(afterLogout).toMatchObject({ status: 401, body: { code: 'REFRESH_TOKEN_INVALID' } });
  });

  it('validates registration input', async () => {
    const short = await relay.http('POST', '/v1/auth/register', { body: { username: 'dd', password: 'short' } });
    expect(short).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });
});
