import { afterEach, describe, expect, it } from 'vitest';
import { healthPlugin } from './health.js';
import { type TestApp, testApp } from './test-app.js';

describe('healthPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('answers /healthz, and /readyz while the store answers', async () => {
    t = await testApp();
    await t.app.register(healthPlugin, { store: t.store });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('answers /readyz with NOT_READY when the store does not answer', async () => {
    t = await testApp();
    await t.app.register(healthPlugin, { store: { ping: () => Promise.reject(new Error('down')) } });
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'NOT_READY' });
  });
});
