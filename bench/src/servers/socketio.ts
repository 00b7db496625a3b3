import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serve } from './ipc.js';

// Socket.IO doing the same job, with connection state recovery on (its answer to missed messages).
const http = createServer();
const io = new Server(http, { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 } });
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
  });
});
