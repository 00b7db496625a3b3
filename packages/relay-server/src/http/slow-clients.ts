import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RelayConfig } from '../config.js';
import { addressKey, isTrustedProxy } from './client-address.js';

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
 *   A large upload that keeps flowing is never cut, however long it takes; a trickle is. A
 *   window in which the relay itself held the body back (storage slower than the client)
 *   does not count against it.
 * - headers must be complete within the same window (Node's `headersTimeout`, set where the
 *   server is made: see `slowClientServerOptions`).
 * - one address (an IPv6 /64) holds at most `connectionsPerIp` connections. Addresses `trustProxy` trusts
 *   (the proxy in front, whose connections carry many clients) are not counted: that proxy
 *   caps its own clients (the shipped nginx does, with `limit_conn`).
 */
export const slowClients = fp(
  async (app: FastifyInstance, options: SlowClientOptions) => {
    const { bodyTimeoutMs, bodyMinBytesPerSecond, connectionsPerIp } = options;
    const minBytes = Math.ceil((bodyMinBytesPerSecond * bodyTimeoutMs) / 1000);

    const isProxy = isTrustedProxy(options.trustProxy);
    const open = new Map<string, number>();
    app.server.on('connection', (socket: Socket) => {
      if (isProxy(socket.remoteAddress ?? '')) return;
      const address = addressKey(socket.remoteAddress ?? '');
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
        // The relay not reading (an upload waiting on storage, a handler not there yet) is not the client's slowness.
        const waitingOnUs = raw.isPaused() || raw.readableLength > 0;
        if (read - seen >= minBytes || waitingOnUs) {
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

/**
 * The HTTP server's own timeouts: headers complete within `bodyTimeoutMs`, checked often
 * enough (Node checks every `connectionsCheckingInterval`, 30 s by default) that a client is
 * cut at most half a window late.
 */
export function slowClientServerOptions(bodyTimeoutMs: number): { headersTimeout: number; connectionsCheckingInterval: number } {
  return { headersTimeout: bodyTimeoutMs, connectionsCheckingInterval: Math.max(50, Math.floor(bodyTimeoutMs / 2)) };
}
