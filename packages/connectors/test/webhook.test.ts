import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GenericWebhookConnector,
  generateWebhookSecret,
  type InboundEvent,
  LoopbackConnector,
  signWebhook,
  verifyStandardWebhook,
} from '../src/index.js';

/** The other system: checks our signature like any Standard Webhooks receiver, and answers as told. */
async function receiver(secret: string, answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const received: Array<{ body: unknown; verified: boolean; id: string | undefined }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      received.push({
        body: JSON.parse(rawBody.toString()),
        verified: verifyStandardWebhook(secret, { headers: request.headers, rawBody }),
        id: request.headers['webhook-id'] as string | undefined,
      });
      const answer = answers.shift() ?? { status: 200, body: { id: `ext-${received.length}` } };
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat4all`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('generic webhook and loopback channels', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('POSTs each message signed per Standard Webhooks and maps the answer to a retry decision', async () => {
    const secret = generateWebhookSecret();
    const other = await receiver(secret, [
      { status: 200, body: { id: 'crm-1' } },
      { status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } },
      { status: 503 },
      { status: 404, body: { message: 'no such customer' } },
    ]);
    closers.push(other.close);
    const connector = new GenericWebhookConnector({ url: other.url, secret });
    const message = { id: '0190a2b4-0000-7000-8000-000000000001', recipientId: 'cust-9', text: 'hello' };
    expect(await connector.send(message)).toEqual({ ok: true, externalId: 'crm-1' });
    expect(other.received[0]).toEqual({
      body: { type: 'message', id: message.id, to: 'cust-9', text: 'hello', file: null, replyTo: null },
      verified: true,
      id: message.id,
    });
    expect(await connector.send(message)).toEqual({
      ok: false,
      error: { code: 'RATE_LIMITED', platformCode: '429', message: 'slow down', retry: 'after', retryAfterMs: 7000 },
    });
    expect(await connector.send(message)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', retry: 'backoff' } });
    expect(await connector.send(message)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_RECIPIENT', message: 'no such customer', retry: 'never' },
    });
    expect(other.received.every((r) => r.verified)).toBe(true);
  });

  it('takes in signed messages and statuses, and refuses unsigned or stale ones', () => {
    const secret = generateWebhookSecret();
    const connector = new GenericWebhookConnector({ url: 'http://127.0.0.1:9', secret });
    const body = JSON.stringify([
      { type: 'message', id: 'in-1', from: { id: 'cust-9', name: 'Ana' }, text: 'oi' },
      { type: 'status', id: 'crm-1', status: 'failed', error: { code: 'OPTED_OUT', message: 'customer opted out' } },
      { type: 'unknown' },
    ]);
    const rawBody = Buffer.from(body);
    expect(connector.verifyWebhook({ headers: signWebhook(secret, body), rawBody })).toBe(true);
    expect(connector.verifyWebhook({ headers: signWebhook(generateWebhookSecret(), body), rawBody })).toBe(false);
    expect(connector.verifyWebhook({ headers: signWebhook(secret, body, 'id', new Date(Date.now() - 3600_000)), rawBody })).toBe(false);
    expect(connector.verifyWebhook({ headers: {}, rawBody })).toBe(false);
    expect(connector.parseWebhook(JSON.parse(body))).toEqual([
      {
        kind: 'message',
        externalId: 'in-1',
        conversationKey: 'cust-9',
        from: { id: 'cust-9', name: 'Ana', username: null },
        text: 'oi',
        file: null,
        sentAt: expect.any(String),
        replyToExternalId: null,
      },
      {
        kind: 'status',
        externalId: 'crm-1',
        status: 'failed',
        at: expect.any(String),
        error: { code: 'OPTED_OUT', platformCode: 'OPTED_OUT', message: 'customer opted out', retry: 'never' },
      },
    ]);
  });

  it('loopback: accepts, then reports delivered and read, answers when asked to, refuses what it is told to', async () => {
    const loopback = new LoopbackConnector({ statusDelayMs: 5, echo: true, failWhen: '#fail' });
    const events: InboundEvent[] = [];
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    const stop = loopback.listen(async (batch) => {
      events.push(...batch);
      if (events.length === 3) done();
    });
    expect(await loopback.send({ id: 'm1', recipientId: 'alice', text: 'hi' })).toEqual({ ok: true, externalId: 'loopback-1' });
    await all;
    stop();
    expect(events.map((e) => (e.kind === 'status' ? e.status : e.kind === 'message' ? e.text : e.kind))).toEqual([
      'delivered',
      'read',
      'echo: hi',
    ]);
    expect(await loopback.send({ id: 'm2', recipientId: 'alice', text: 'please #fail' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST', retry: 'never' },
    });
  });
});
