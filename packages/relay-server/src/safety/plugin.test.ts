import { afterEach, describe, expect, it } from 'vitest';
import { authPlugin } from '../auth/plugin.js';
import type { BusEnvelope } from '../bus/types.js';
import { conversationsPlugin } from '../conversations/plugin.js';
import { TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { signedToken } from '../testing/tokens.js';
import { safetyPlugin } from './plugin.js';

const server = { authorization: `Bearer ${TEST_SECRETS.apiKey}` };

describe('safetyPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function withSafety() {
    t = await testApp();
    const { app, config, store, bus } = t;
    await app.register(authPlugin, { config: config.auth, secrets: TEST_SECRETS, limits: config.limits, store, bus });
    await app.register(conversationsPlugin, { metadataMaxBytes: config.limits.metadataMaxBytes, store });
    await app.register(safetyPlugin, { store });
    for (const id of ['ana', 'bob']) await store.users.ensure(id, null, Date.now());
    const token = await signedToken(TEST_SECRETS.appSecret, 'ana', 300);
    return { app, ana: { authorization: `Bearer ${token}` } };
  }

  it('publishes a block and an unblock for the blocker’s sockets on every node, once each', async () => {
    const { app, ana } = await withSafety();
    const published: BusEnvelope[] = [];
    app.nodeEvents.observe({ published: (envelope) => published.push(envelope) });
    expect((await app.inject({ method: 'PUT', url: '/v1/me/blocks/bob', headers: ana })).statusCode).toBe(201);
    expect((await app.inject({ method: 'PUT', url: '/v1/me/blocks/bob', headers: ana })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/v1/me/blocks/bob', headers: ana })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/v1/me/blocks/bob', headers: ana })).statusCode).toBe(204);
    expect(published).toEqual([
      { kind: 'blocks', userId: 'ana', targetId: 'bob', blocked: true },
      { kind: 'blocks', userId: 'ana', targetId: 'bob', blocked: false },
    ]);
    expect(await app.safety.hiddenFor('ana')).toEqual(new Set());
  });

  it('keeps the server API key out of a user’s blocks and users out of the report queue', async () => {
    const { app, ana } = await withSafety();
    expect((await app.inject({ method: 'GET', url: '/v1/me/blocks', headers: server })).json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await app.inject({ method: 'GET', url: '/v1/reports', headers: ana })).json()).toMatchObject({ code: 'FORBIDDEN' });
    const page = await app.inject({ method: 'GET', url: '/v1/reports?status=open', headers: server });
    expect(page.json()).toEqual({ reports: [], nextCursor: null });
  });
});
