import type { Socket } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';

export interface SlowClientOptions {
  /** A request body must be complete, or have sent `bodyMinBytesPerSecond` on average, within each window this long. */
  bodyTimeoutMs: number;
  bodyMinBytesPerSecond: number;
  /** Open TCP connections one address may hold (WebSockets included). */
  connectionsPerIp: number;
  trustProxy: RelayConfig['trustProxy'];
  onRefused?: (reason: 'slow-body' | 'too-many-connections', address: string) => void;
}

/**
 * Slow-client defences at the socket level, where a request that never finishes costs a
 * descriptor and memory but no CPU a rate limit would see:
 * - every request body must keep arriving: within each `bodyTimeoutMs` it is complete or
 *   has brought at least `bodyMinBytesPerSecond` × the window, else its connection is cut.
 *   A large upload that keeps flowing is never cut, however long it takes; a trickle is.
 * - headers must be complete within the same window (Node's `headersTimeout`).
 * - one address holds at most `connectionsPerIp` connections. Addresses `trustProxy` trusts
 *   (the proxy in front, whose connections carry many clients) are not counted: that proxy
 *   caps its own clients (the shipped nginx does, with `limit_conn`).
 */
export const slowClients = fp(
  async (app: FastifyInstance, options: SlowClientOptions) => {
    const { bodyTimeoutMs, bodyMinBytesPerSecond, connectionsPerIp } = options;
    const minBytes = Math.ceil((bodyMinBytesPerSecond * bodyTimeoutMs) / 1000);
    app.server.headersTimeout = bodyTimeoutMs;

    const isProxy = proxyOf(options.trustProxy);
    const open = new Map<string, number>();
    app.server.on('connection', (socket: Socket) => {
      const address = socket.remoteAddress ?? '';
      if (isProxy(address)) return;
      const count = (open.get(address) ?? 0) + 1;
      if (count > connectionsPerIp) {
        options.onRefused?.('too-many-connections', address);
        socket.destroy();
        return;
      }
      open.set(address, count);
      socket.once('close', () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
    });

    app.addHook('onRequest', async (request) => {
      const raw = request.raw;
      const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
      if (!hasBody || raw.complete) return;
      const socket = raw.socket;
      // Bytes read off the socket, not from the body stream, so nothing here takes data the route will read.
      let seen = socket.bytesRead;
      const timer = setInterval(() => {
        if (raw.complete || socket.destroyed) return clearInterval(timer);
        const read = socket.bytesRead;
        if (read - seen >= minBytes) {
          seen = read;
          return;
        }
        clearInterval(timer);
        options.onRefused?.('slow-body', socket.remoteAddress ?? '');
        socket.destroy();
      }, bodyTimeoutMs);
      timer.unref();
      raw.once('close', () => clearInterval(timer));
    });
  },
  { name: 'chat4all-slow-clients' },
);

/** Whether a socket address is one of the proxies `trustProxy` names (every address for `true` or a hop count). */
function proxyOf(trust: RelayConfig['trustProxy']): (address: string) => boolean {
  if (trust === false || trust === 0) return () => false;
  if (trust === true || typeof trust === 'number') return () => true;
  const trusted = proxyAddr.compile(trust.split(',').map((entry) => entry.trim()));
  return (address) => trusted(address, 0);
}
