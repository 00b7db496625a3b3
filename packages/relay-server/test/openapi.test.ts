import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from './fixtures.js';

interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  parameters?: Array<{ name: string; in: string }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('the OpenAPI document', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('is served at /v1/openapi.json as OpenAPI 3.1, describing the REST routes from the schemas requests are checked with', async () => {
    relay = await startRelay();
    const response = await fetch(`${relay.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Document;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(30);
    expect(doc.paths['/v1/ws']).toBeUndefined();

    const send = doc.paths['/v1/conversations/{conversationId}/messages']?.post;
    expect(send?.requestBody?.content['application/json']?.schema.required).toEqual(expect.arrayContaining(['id', 'text']));
    expect(send?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'conversationId', in: 'path' })]));
    expect(send?.security).toEqual([{ user: [] }, { server: [] }]);
    expect(doc.paths['/v1/users/{userId}']?.put?.security).toEqual([{ server: [] }]);
    expect(doc.paths['/v1/uploads/{id}/link']?.post?.security).toEqual([{ user: [] }]);
    expect(doc.paths['/v1/auth/login']?.post?.security).toEqual([]);
    for (const path of [
      '/v1/contacts',
      '/v1/admin/dead-letters',
      '/v1/webhooks',
      '/v1/conversations/{conversationId}/messages/{messageId}/deliveries',
    ])
      expect(Object.keys(doc.paths[path] ?? {})).toContain('get');
  });
});
