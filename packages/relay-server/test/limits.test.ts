import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay, TestSocket } from './fixtures.js';

describe('limits', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('answers over-rate sends with RATE_LIMITED and a retry-after, over HTTP and WebSocket, and lets the server API through', async () => {
    relay = await startRelay({ limits: { messagesPerMinute: 60, messageBurst: 3 } });
    const user = await relay.user();
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: user.id },
    });
    const socket = await relay.connect(user.token);
    const replies = [];
    for (let i = 0; i < 4; i++)
      replies.push(
        await socket.request({ type: 'message.send', conversationId: conv.body.id, message: { id: randomUUID(), text: `m${i}` } }),
      );
    expect(replies.map((r) => r.type)).toEqual(['ack', 'ack', 'ack', 'error']);
    expect(replies[3]).toMatchObject({ error: { code: 'RATE_LIMITED', retryable: true, details: { retryAfterMs: expect.any(Number) } } });
    const retryAfterMs = replies[3]?.type === 'error' ? (replies[3].error.details as { retryAfterMs: number }).retryAfterMs : 0;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1000);

    const response = await fetch(`${relay.url}/v1/conversations/${conv.body.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: randomUUID(), text: 'http' }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The socket is still usable, and the app's backend is not limited.
    expect((await socket.request({ type: 'ping' })).type).toBe('ack');
    const server = await relay.http('POST', `/v1/conversations/${conv.body.id}/messages`, {
      as: API_KEY,
      body: { id: randomUUID(), text: 'system' },
    });
    expect(server.status).toBe(201);
  });

  it('limits sign-in attempts and connection attempts per IP', async () => {
    relay = await startRelay({ limits: { loginsPerMinutePerIp: 3, connectAttemptsPerMinutePerIp: 2 } });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await relay.http('POST', '/v1/auth/login', { body: { username: 'nobody', password: 'x' } })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const user = await relay.user();
    await relay.connect(user.token);
    await relay.connect(user.token);
    const third = await TestSocket.open(`${relay.wsUrl}?access_token=${user.token}`);
    expect(await third.next()).toMatchObject({ type: 'error', error: { code: 'RATE_LIMITED' } });
    expect(await third.closed).toEqual({ code: 4429, reason: 'RATE_LIMITED' });
  });
});
