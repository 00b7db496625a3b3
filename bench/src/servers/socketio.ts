import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { serve } from './ipc.js';

// Socket.IO doing the same job, with connection state recovery on (its answer to missed
// messages). With BENCH_REDIS_URL it is one node of several, joined by the Redis Streams
// adapter; its stream is allowed 1,000,000 entries, because at the default 10,000 a reader
// that falls behind under this load misses trimmed entries and the run never completes.
const http = createServer();
const redis = process.env.BENCH_REDIS_URL ? new Redis(process.env.BENCH_REDIS_URL) : undefined;
const io = new Server(http, {
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
  adapter: redis ? createAdapter(redis, { streamName: `${process.env.BENCH_REDIS_PREFIX}:socket.io`, maxLen: 1_000_000 }) : undefined,
});
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'default');
  void socket.join(room);
  socket.on('message', (payload: unknown, ack: (result: unknown) => void) => {
    socket.to(room).emit('message', payload);
    ack({ ok: true });
  });
});
http.listen(0, '127.0.0.1', () => {
  serve((http.address() as AddressInfo).port, async () => {
    await io.close();
    redis?.disconnect();
  });
});
