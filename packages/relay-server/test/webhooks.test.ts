import { randomUUID } from 'node:crypto';
import { verifyStandardWebhook } from '@chat4all/connectors';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, appReceiver, type RunningRelay, startRelay } from './fixtures.js';

describe('app webhooks', () => {
  let relay: RunningRelay;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await relay?.close();
    for (const close of closers.splice(0)) await close();
  });

  it('POSTs subscribed events signed per Standard Webhooks, once per event, with a stable webhook-id', async () => {
    relay = await startRelay({ webhooks: { allowPrivateAddresses: true, pollIntervalMs: 50 } });
    const app = await appReceiver();
    closers.push(app.close);
    const created = await relay.http<{ id: string; secret: string; events: string[] }>('POST', '/v1/webhooks', {
      as: API_KEY,
      body: { url: app.url, events: ['message.created', 'message.updated'], description: 'CRM sync' },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const ana = await relay.user();
    const bob = await relay.user();
    const conversation = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'private', userId: bob.id },
    });
    const id = randomUUID();
    const path = `/v1/conversations/${conversation.body.id}/messages`;
    await relay.http('POST', path, { as: ana.token, body: { id, text: 'olá' } });
    // A retried send publishes again; the app still gets one call.
    await relay.http('POST', path, { as: ana.token, body: { id, text: 'olá' } });
    await relay.http('PATCH', `${path}/${id}`, { as: ana.token, body: { text: 'olá!' } });
    const calls = await app.until((c) => c.length >= 2);
    expect(calls.map((c) => c.body.type)).toEqual(['message.created', 'message.updated']);
    expect(calls[0]?.body.data).toMatchObject({ message: { id, text: 'olá', senderId: ana.id } });
    expect(calls[0]?.headers['webhook-id']).toBe(`message.created:${id}`);
    for (const call of calls) expect(verifyStandardWebhook(created.body.secret, { headers: call.headers, rawBody: call.raw })).toBe(true);
    const list = await relay.http<{ webhooks: Array<{ id: string; description: string }> }>('GET', '/v1/webhooks', { as: API_KEY });
    expect(list.body.webhooks).toMatchObject([{ id: created.body.id, description: 'CRM sync' }]);
    expect(app.received).toHaveLength(2);
  });

  it('retries failures with backoff and turns an endpoint off after repeated failure; turning it on resets it', async () => {
    relay = await startRelay({
      webhooks: { allowPrivateAddresses: true, pollIntervalMs: 20, baseDelayMs: 5, maxAttempts: 3, disableAfterFailures: 2 },
    });
    const app = await appReceiver([500, 503, 200, 500, 500, 500, 500, 500, 500]);
    closers.push(app.close);
    const hook = await relay.http<{ id: string }>('POST', '/v1/webhooks', { as: API_KEY, body: { url: app.url, events: ['*'] } });
    const ana = await relay.user();
    const group = await relay.http<{ id: string }>('POST', '/v1/conversations', { as: ana.token, body: { type: 'group', title: 'a' } });
    await app.until((c) => c.length === 3);
    expect(app.received.map((c) => c.body.type)).toEqual(['conversation.created', 'conversation.created', 'conversation.created']);
    expect(new Set(app.received.map((c) => c.headers['webhook-id'])).size).toBe(1);
    // Two events that fail all three attempts: the endpoint is turned off.
    await relay.http('PATCH', `/v1/conversations/${group.body.id}`, { as: ana.token, body: { title: 'b' } });
    await relay.http('PATCH', `/v1/conversations/${group.body.id}`, { as: ana.token, body: { title: 'c' } });
    await app.until((c) => c.length === 9);
    const off = async () =>
      (await relay.http<{ enabled: boolean; disabledReason: string | null }>('GET', `/v1/webhooks/${hook.body.id}`, { as: API_KEY })).body;
    while ((await off()).enabled) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await off()).disabledReason).toMatch(/2 calls failed in a row/);
    expect(await relay.http('PATCH', `/v1/webhooks/${hook.body.id}`, { as: API_KEY, body: { enabled: true } })).toMatchObject({
      status: 200,
      body: { enabled: true, failures: 0, disabledReason: null },
    });
    expect((await relay.http('DELETE', `/v1/webhooks/${hook.body.id}`, { as: API_KEY })).status).toBe(204);
    expect((await relay.http('GET', `/v1/webhooks/${hook.body.id}`, { as: API_KEY })).status).toBe(404);
  });

  it('refuses private, loopback and link-local endpoints unless allowed', async () => {
    relay = await startRelay();
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://10.0.0.5/x',
      'http://[::1]/x',
      'http://169.254.169.254/latest',
      'http://localhost/x',
      'http://[::ffff:192.168.1.1]/x',
      // IPv4-compatible, NAT64 and 6to4 spellings of loopback and private addresses.
      'http://[::127.0.0.1]/x',
      'http://[::10.0.0.5]/x',
      'http://[64:ff9b::7f00:1]/x',
      'http://[2002:7f00:1::]/x',
    ]) {
      const refused = await relay.http('POST', '/v1/webhooks', { as: API_KEY, body: { url, events: ['*'] } });
      expect([url, refused.status, (refused.body as { code: string }).code]).toEqual([url, 422, 'WEBHOOK_ADDRESS_REFUSED']);
    }
    expect(await relay.http('POST', '/v1/webhooks', { as: API_KEY, body: { url: 'ftp://example.com', events: ['*'] } })).toMatchObject({
      status: 400,
    });
    const ana = await relay.user();
    expect((await relay.http('GET', '/v1/webhooks', { as: ana.token })).status).toBe(403);
  });
});
