import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { serve } from './ipc.js';

// The ceiling: the same frames as the relay (JSON in, ack to the sender, one serialization
// fanned out to the room), with no auth, no validation schema and no persistence. It keeps
// the last 100 messages of each room in memory to answer a reconnect with them.
const rooms = new Map<string, Set<WebSocket>>();
const recent = new Map<string, string[]>();
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });

server.on('connection', (socket, request) => {
  const query = new URL(request.url ?? '/', 'http://x').searchParams;
  const room = query.get('room') ?? 'default';
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
  }
  members.add(socket);
  socket.on('close', () => members.delete(socket));
  if (query.get('replay') === '1') {
    for (const payload of recent.get(room) ?? []) socket.send(payload);
    socket.send(JSON.stringify({ type: 'ack', id: 'resume' }));
  } else {
    socket.send(JSON.stringify({ type: 'welcome' }));
  }
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { id: string; message: unknown };
    const payload = JSON.stringify({ type: 'message.created', message: frame.message });
    const history = recent.get(room) ?? [];
    history.push(payload);
    if (history.length > 100) history.shift();
    recent.set(room, history);
    socket.send(JSON.stringify({ type: 'ack', id: frame.id }));
    for (const member of members) if (member !== socket) member.send(payload);
  });
});

server.on('listening', () => {
  serve((server.address() as AddressInfo).port, async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
});
