import { afterEach, describe, expect, it } from 'vitest';
import { TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { authPlugin } from './plugin.js';

describe('authPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withAuth(builtIn = true) {
    t = await testApp({ auth: { builtIn } });
    const { app, config, store, bus } = t;
    await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits: config.limits, store, bus });
    // A route behind each kind of credential, to see the hook at work.
    app.get('/who', { config: { auth: 'any' } }, async (request) => ({ principal: request.principal }));
    return app;
  }

  it('registers, logs in and refreshes built-in accounts, and decorates the app with tokens and sessions', async () => {
    const app = await withAuth();
    const registered = await app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { username: 'ana', password: 'a long password' },
    });
    expect(registered.statusCode).toBe(201);
    const session = registered.json<{ accessToken: string; refreshToken: string; user: { id: string } }>();
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'ana', password: 'a long password' } });
    expect(login.statusCode).toBe(200);
    const refreshed = await app.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refreshToken: session.refreshToken } });
    expect(refreshed.statusCode).toBe(200);
    const who = await app.inject({ method: 'GET', url: '/who', headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(who.json()).toMatchObject({ principal: { kind: 'user', userId: session.user.id } });
    expect((await app.tokens.authenticate(session.accessToken)).kind).toBe('user');
    expect(await app.sessions.revoked('no-such-login')).toBe(false);
  });

  it('answers every route behind a credential with UNAUTHENTICATED without one, and refuses tokens in URLs', async () => {
    const app = await withAuth();
    const none = await app.inject({ method: 'GET', url: '/who' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const inUrl = await app.inject({ method: 'GET', url: '/who?access_token=x' });
    expect(inUrl.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const server = await app.inject({ method: 'GET', url: '/who', headers: { authorization: `Bearer ${TEST_SECRETS.apiKey}` } });
    expect(server.json()).toMatchObject({ principal: { kind: 'server' } });
  });

  it('has no account routes when built-in auth is off', async () => {
    const app = await withAuth(false);
    const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username: 'ana', password: 'x' } });
    expect(response.statusCode).toBe(404);
  });

  it('stops hashing passwords when the app closes: what comes later is refused with SHUTTING_DOWN', async () => {
    const app = await withAuth();
    await app.ready();
    const { sessions } = app;
    await app.close();
    t = undefined;
    await expect(sessions.register({ username: 'late', password: 'a long password' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
