import { afterEach, describe, expect, it } from 'vitest';
import webPush from 'web-push';
import type { RelayConfigInput } from '../config.js';
import { registerMessagePath, TEST_SECRETS, type TestApp, testApp } from '../http/test-app.js';
import { pushPlugin } from './plugin.js';

const vapid = webPush.generateVAPIDKeys();

describe('pushPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  async function app(push: RelayConfigInput['push']) {
    t = await testApp({ push });
    await registerMessagePath(t);
    await t.app.register(pushPlugin, { config: t.config.push, store: t.store, shared: t.shared });
    await t.store.users.ensure('ana', null, Date.now());
    const ana = { authorization: `Bearer ${(await t.app.tokens.mint('ana')).token}` };
    return { inject: t.app.inject.bind(t.app), ana };
  }

  it('tells a signed-in user whether the relay sends pushes and the VAPID key a browser subscribes with', async () => {
    const { inject, ana } = await app({ enabled: true, vapid: { ...vapid, subject: 'mailto:ops@example.com' } });
    const answer = await inject({ method: 'GET', url: '/v1/push', headers: ana });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ enabled: true, vapidPublicKey: vapid.publicKey });
    // Only the public half: the private key never leaves the relay.
    expect(answer.body).not.toContain(vapid.privateKey);
  });

  it('gives the public key while sending is off, null without one, and answers only user tokens', async () => {
    const off = await app({ vapid: { ...vapid, subject: 'mailto:ops@example.com' } });
    expect((await off.inject({ method: 'GET', url: '/v1/push', headers: off.ana })).json()).toEqual({
      enabled: false,
      vapidPublicKey: vapid.publicKey,
    });
    await t?.app.close();

    const bare = await app(undefined);
    expect((await bare.inject({ method: 'GET', url: '/v1/push', headers: bare.ana })).json()).toEqual({
      enabled: false,
      vapidPublicKey: null,
    });
    const server = await bare.inject({ method: 'GET', url: '/v1/push', headers: { authorization: `Bearer ${TEST_SECRETS.apiKey}` } });
    expect([server.statusCode, server.json().code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await bare.inject({ method: 'GET', url: '/v1/push' });
    expect(anonymous.statusCode).toBe(401);
  });
});
