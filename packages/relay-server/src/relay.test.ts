import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { API_KEY, APP_SECRET, TestSocket, tempDir } from '../test/fixtures.js';
import { createRelay, redactUrl } from './relay.js';

describe('request logs', () => {
  it("are JSON lines with a request id, carry the message id on a message's lines, and never contain the WebSocket access token", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().trim().split('\n'));
        done();
      },
    });
    const dataDir = tempDir();
    const relay = await createRelay(
      { port: 0, dataDir, auth: { appSecret: APP_SECRET, apiKey: API_KEY } },
      { logger: pino({ level: 'debug' }, sink) },
    );
    const url = await relay.listen();
    const socket = await TestSocket.open(`${url.replace('http', 'ws')}/v1/ws?v=1&access_token=secret-token-value`);
    await socket.closed;
    // Spelled another way, and twice: still masked.
    const twice = await TestSocket.open(
      `${url.replace('http', 'ws')}/v1/ws?access%5Ftoken=secret-token-value&access_token=secret-token-value`,
    );
    await twice.closed;
    const messageId = randomUUID();
    await fetch(`${url}/v1/users/log-user`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const conv = (await (
      await fetch(`${url}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'group', createdBy: 'log-user' }),
      })
    ).json()) as { id: string };
    await fetch(`${url}/v1/conversations/${conv.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: messageId, text: 'traced', senderId: 'log-user' }),
    });
    await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'req-abc' } });
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
    const records = lines.map((line) => JSON.parse(line) as { reqId?: string; req?: { url: string } });
    expect(lines.join('\n')).not.toContain('secret-token-value');
    expect(records.find((r) => r.req?.url.startsWith('/v1/ws'))?.req?.url).toBe('/v1/ws?v=1&access_token=[redacted]');
    expect(records.filter((r) => r.reqId === 'req-abc').length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((line) => line.includes(messageId)).map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain(
      'message committed',
    );
  });
});

describe('redactUrl', () => {
  it('masks every secret parameter by its decoded name, however it is spelled, and leaves the rest', () => {
    expect(redactUrl('/v1/ws?v=1&access_token=a&access_token=b')).toBe('/v1/ws?v=1&access_token=[redacted]&access_token=[redacted]');
    expect(redactUrl('/v1/ws?access%5Ftoken=a&ACCESS_TOKEN=b&x=1')).toBe('/v1/ws?access%5Ftoken=[redacted]&ACCESS_TOKEN=[redacted]&x=1');
    expect(redactUrl('/v1/uploads/u?user=ana&expires=1&signature=s')).toBe('/v1/uploads/u?user=ana&expires=1&signature=[redacted]');
    expect(redactUrl('/v1/x?%E0%A4%A=secret')).toBe('/v1/x?%E0%A4%A=[redacted]');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
