import { afterEach, describe, expect, it } from 'vitest';
import { RelayError } from '../errors.js';
import { NoContent } from './openapi.js';
import { type TestApp, testApp } from './test-app.js';

describe('createApp', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.app.close();
    t = undefined;
  });

  it('answers with a request id, the error body, and the OpenAPI document of what is registered', async () => {
    t = await testApp();
    t.app.get('/fails', { schema: { response: { 204: NoContent } } }, async () => {
      throw new RelayError('FORBIDDEN');
    });
    const failed = await t.app.inject({ method: 'GET', url: '/fails', headers: { 'x-request-id': 'req-1' } });
    expect(failed.statusCode).toBe(403);
    expect(failed.headers['x-request-id']).toBe('req-1');
    expect(failed.json()).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    const doc = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths)).toEqual(['/v1/openapi.json', '/fails']);
  });

  it('says it is closing from the first close hook on, before any feature drains', async () => {
    t = await testApp();
    const { app } = t;
    const seen: boolean[] = [];
    app.addHook('preClose', async () => {
      seen.push(app.closing);
    });
    expect(app.closing).toBe(false);
    await app.ready();
    await app.close();
    t = undefined;
    expect(seen).toEqual([true]);
  });

  it('answers every request SHUTTING_DOWN once the features have drained', async () => {
    t = await testApp();
    t.app.get('/work', { schema: { response: { 204: NoContent } } }, async (_request, reply) => reply.code(204).send());
    expect((await t.app.inject({ method: 'GET', url: '/work' })).statusCode).toBe(204);
    t.app.refuseRequests();
    const refused = await t.app.inject({ method: 'GET', url: '/work' });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'SHUTTING_DOWN', retryable: true });
  });
});
