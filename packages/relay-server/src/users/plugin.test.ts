import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin } from '../auth/plugin.js';
import { TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { usersPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('usersPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withUsers() {
    t = await testApp();
    const { app, config, store, bus } = t;
    await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits: config.limits, store, bus });
    await app.register(usersPlugin, { metadataMaxBytes: config.limits.metadataMaxBytes, store });
    return app;
  }

  it('upserts a user with the server API key, mints its token, and the user reads itself at /v1/me', async () => {
    const app = await withUsers();
    const put = await app.inject({ method: 'PUT', url: '/v1/users/ana', headers: server, payload: { privateMetadata: { plan: 'pro' } } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'ana', privateMetadata: { plan: 'pro' } });
    const minted = await app.inject({ method: 'POST', url: '/v1/users/ana/tokens', headers: server });
    expect(minted.statusCode).toBe(201);
    const { token } = minted.json<{ token: string }>();
    const me = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: 'ana' });
    expect(me.json()).not.toHaveProperty('privateMetadata');
    const asServer = await app.inject({ method: 'GET', url: '/v1/users/ana', headers: server });
    expect(asServer.json()).toMatchObject({ privateMetadata: { plan: 'pro' } });
  });

  it('answers USER_NOT_FOUND for a user never upserted, and decorates the app with the user service', async () => {
    const app = await withUsers();
    const minted = await app.inject({ method: 'POST', url: '/v1/users/nobody/tokens', headers: server, payload: {} });
    expect(minted.statusCode).toBe(404);
    expect(minted.json()).toMatchObject({ code: 'USER_NOT_FOUND', message: 'User nobody not found; PUT /v1/users/:userId first' });
    await expect(app.users.get('nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect((await app.users.upsert({ id: 'bo' })).privateMetadata).toEqual({});
  });

  it('refuses metadata over the limit', async () => {
    const app = await withUsers();
    const big = { blob: 'x'.repeat(t?.config.limits.metadataMaxBytes ?? 0) };
    const put = await app.inject({ method: 'PUT', url: '/v1/users/ana', headers: server, payload: { metadata: big } });
    expect(put.statusCode).toBe(400);
    expect(put.json()).toMatchObject({ code: 'METADATA_TOO_LARGE' });
  });
});
