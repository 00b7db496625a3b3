import { afterEach, describe, expect, it } from 'vitest';
import { metricsPlugin } from './metrics.js';
import { type TestApp, testApp } from './test-app.js';

describe('metricsPlugin', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it("serves the app's Prometheus registry, with the gauges features feed", async () => {
    t = await testApp();
    await t.app.register(metricsPlugin);
    t.app.metrics.countSocketsWith(() => 3);
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('chat4all_sockets 3');
    expect(response.body).toContain('chat4all_messages_appended_total 0');
  });
});
