import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningRelay, startRelay } from './fixtures.js';

/**
 * A reverse proxy that appends the client's address to `X-Forwarded-For`, as the shipped
 * nginx does (`$proxy_add_x_forwarded_for`), so a client-written header arrives with the
 * real address after it.
 */
async function appendingProxy(target: string) {
  const proxy = httpProxy.createProxyServer({ target, xfwd: true, ws: true });
  proxy.on('error', () => {});
  const server = createServer((req, res) => proxy.web(req, res));
  server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A login through the proxy from `localAddress` (127.0.0.x: a distinct client), with a forged header. */
function login(port: number, localAddress: string, forged: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ username: 'victim', password: 'guess-guess' });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        localAddress,
        method: 'POST',
        path: '/v1/auth/login',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-forwarded-for': forged },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function connect(port: number, localAddress: string, forged: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?access_token=${token}`, {
      localAddress,
      headers: { 'x-forwarded-for': forged },
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string };
      ws.close();
      resolve(frame.type === 'welcome' ? 200 : 429);
    });
    ws.on('error', () => resolve(0));
  });
}

describe.each([
  ['a hop count (1: one proxy in front)', 1],
  ['a list of trusted proxy addresses', '127.0.0.1'],
] as const)('per-IP limits behind a proxy that appends to X-Forwarded-For, with trustProxy as %s', (_name, trustProxy) => {
  let relay: RunningRelay;
  let proxy: Awaited<ReturnType<typeof appendingProxy>>;
  afterEach(async () => {
    await proxy?.close();
    await relay?.close();
  });

  it('counts the address the proxy saw, whatever the client writes in the header', async () => {
    relay = await startRelay({
      trustProxy,
      limits: { loginsPerMinutePerIp: 3, loginsPerMinutePerAccount: 1000, connectAttemptsPerMinutePerIp: 2 },
    });
    proxy = await appendingProxy(relay.url);
    const statuses: number[] = [];
    // A new forged address on every guess: before, each looked like a new client.
    for (let i = 0; i < 6; i++) statuses.push(await login(proxy.port, '127.0.0.2', `203.0.113.${i}`));
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // Another client behind the same proxy keeps its own allowance.
    expect(await login(proxy.port, '127.0.0.3', '203.0.113.1')).toBe(401);

    const user = await relay.user();
    const connects: number[] = [];
    for (let i = 0; i < 4; i++) connects.push(await connect(proxy.port, '127.0.0.2', `198.51.100.${i}`, user.token));
    expect(connects).toEqual([200, 200, 429, 429]);
    expect(await connect(proxy.port, '127.0.0.3', '198.51.100.9', user.token)).toBe(200);
  });
});
