import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from './fixtures.js';

interface Response {
  description: string;
  content?: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }>;
  headers?: Record<string, unknown>;
}
interface Operation {
  responses: Record<string, Response>;
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  parameters?: Array<{ name: string; in: string }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const docsDir = fileURLToPath(new URL('../../../docs/', import.meta.url));
/** `/v1/conversations/:id` and `/v1/conversations/{conversationId}` alike, as `/v1/conversations/{}`. */
const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/:[A-Za-z]+|\{[A-Za-z]+\}/g, '{}')}`;

async function openApiDocument(relay: RunningRelay): Promise<Document> {
  const response = await fetch(`${relay.url}/v1/openapi.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

function operations(doc: Document): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]): [string, Operation] => [routeKey(method, path), operation]),
  );
}

describe('the OpenAPI document', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('is served at /v1/openapi.json as OpenAPI 3.1, describing the REST routes from the schemas requests are checked with', async () => {
    relay = await startRelay();
    const doc = await openApiDocument(relay);
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

  it('declares the responses of every route: each success with its body schema (or none, for 204, 304 and tus), each error as the error body', async () => {
    relay = await startRelay();
    const doc = await openApiDocument(relay);
    const undeclared: string[] = [];
    for (const [route, operation] of operations(doc)) {
      const successes = Object.entries(operation.responses).filter(([status]) => /^[23]\d\d$/.test(status));
      // A route without a response schema gets @fastify/swagger's lone `200: Default Response`.
      if (!operation.responses.default || successes.length === 0) undeclared.push(route);
      for (const [status, response] of successes) {
        const bodyless = status === '204' || status === '304' || response.headers !== undefined;
        if (!bodyless && !Object.values(response.content ?? {}).some((media) => media.schema)) undeclared.push(`${route} ${status}`);
      }
    }
    expect(undeclared).toEqual([]);

    const contact = doc.paths['/v1/contacts']?.post?.responses;
    expect(Object.keys(contact ?? {})).toEqual(expect.arrayContaining(['200', '201', 'default']));
    expect(contact?.['201']?.content?.['application/json']?.schema?.required).toEqual(
      expect.arrayContaining(['id', 'identities', 'conversationId', 'preferredChannelId']),
    );
    const deliveries = doc.paths['/v1/conversations/{conversationId}/messages/{messageId}/deliveries']?.get?.responses['200'];
    expect(JSON.stringify(deliveries)).toContain('deadLettered');
    expect(doc.paths['/v1/admin/dead-letters']?.get?.responses['200']?.content?.['application/json']?.schema?.required).toEqual(
      expect.arrayContaining(['deliveries', 'total', 'nextCursor']),
    );
    expect(doc.paths['/v1/webhooks']?.get?.responses['200']?.content?.['application/json']?.schema?.required).toEqual(['webhooks']);
    expect(doc.paths['/v1/auth/logout']?.post?.responses['204']?.content).toBeUndefined();
    expect(doc.paths['/v1/uploads']?.post?.responses['201']?.headers).toHaveProperty('Location');
    expect(doc.paths['/v1/me']?.get?.responses.default?.content?.['application/json']?.schema?.required).toEqual(
      expect.arrayContaining(['code', 'message', 'retryable']),
    );
  });

  it('and the docs name the same routes: every route the document has is in docs/, and every route docs/ shows is in the document', async () => {
    relay = await startRelay();
    const documented = new Set(operations(await openApiDocument(relay)).map(([route]) => route));
    const written = new Set<string>();
    for (const file of readdirSync(docsDir).filter((name) => name.endsWith('.md'))) {
      const text = readFileSync(join(docsDir, file), 'utf8');
      for (const match of text.matchAll(/`(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH) (\/(?:v1\/|healthz|readyz|metrics)[^`\s?]*)/g))
        written.add(routeKey(match[1] ?? '', match[2] ?? ''));
    }
    written.delete('GET /v1/ws');
    expect([...documented].filter((route) => !written.has(route))).toEqual([]);
    expect([...written].filter((route) => !documented.has(route))).toEqual([]);
  });
});
