import type { lookup } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { callBeforeSend, type Draft } from './before-send.js';

const draft: Draft = {
  id: '0b7c8a5e-6d3f-4f0e-9d7a-1a2b3c4d5e6f',
  conversationId: 'c1',
  senderId: 'ana',
  kind: 'text',
  text: 'hello',
  content: null,
  attachment: null,
  metadata: {},
  replyTo: null,
  threadId: null,
  mentions: [],
  mentionsAll: false,
};
const config = {
  url: 'https://hook.chat4all.invalid/before-send',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  timeoutMs: 200,
  allowPrivateAddresses: false,
  fallback: 'reject' as const,
  fallbackReason: 'Not now',
};
/** A fetch that must not be reached: the address is settled before any request. */
const noFetch = (() => {
  throw new Error('fetched');
}) as unknown as typeof fetch;

describe('callBeforeSend and the hook address', () => {
  it('gives up on a resolver that never answers within timeoutMs, as a timeout', async () => {
    const hanging = (() => new Promise(() => {})) as unknown as typeof lookup;
    const started = performance.now();
    const called = await callBeforeSend(config, draft, 'app', noFetch, hanging);
    expect(called).toMatchObject({ ok: false, reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('counts a name that does not resolve as unreachable, and a private address as refused', async () => {
    const notFound = (() => Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }))) as unknown as typeof lookup;
    expect(await callBeforeSend(config, draft, 'app', noFetch, notFound)).toMatchObject({ ok: false, reason: 'unreachable' });
    const loopback = (() => Promise.resolve([{ address: '127.0.0.1', family: 4 }])) as unknown as typeof lookup;
    expect(await callBeforeSend(config, draft, 'app', noFetch, loopback)).toMatchObject({ ok: false, reason: 'address' });
  });
});
