import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

export const APP_SECRET = 'bench-app-secret-0123456789-abcdefghijklmnop';
export const API_KEY = 'sk_bench_0123456789abcdefghijklmnopqrstuvwxyz';
const secret = new TextEncoder().encode(APP_SECRET);

export const now = (): number => performance.now();

/** A UUIDv7 (time-ordered), as Chat4All clients generate message ids. */
export function uuidv7(): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A user token as an app backend mints it; the relay creates the user on first sight. */
export function token(userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer('chat4all')
    .setAudience('chat4all')
    .setExpirationTime('2h')
    .sign(secret);
}

export async function api<T>(port: number, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Opens a WebSocket and resolves with it once its first frame (welcome) has arrived. */
export function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** One sender and one receiver on a system under test: send message `i` stamped with `t0`. */
export interface Pair {
  send(i: number, t0: number): void;
  onAck(callback: () => void): void;
  onDeliver(callback: (i: number, t0: number) => void): void;
  close(): void;
}

function parseStamp(text: string): [number, number] {
  const [i, t0] = text.split(' ');
  return [Number(i), Number(t0)];
}

/** The relay (and the raw forwarder, which speaks the same frames). */
export async function wsPair(senderUrl: string, receiverUrl: string, conversationId: string): Promise<Pair> {
  const sender = await openWs(senderUrl);
  const receiver = await openWs(receiverUrl);
  return {
    send(i, t0) {
      sender.send(JSON.stringify({ type: 'message.send', id: String(i), conversationId, message: { id: uuidv7(), text: `${i} ${t0}` } }));
    },
    onAck(callback) {
      sender.on('message', (data) => {
        if ((data as Buffer).toString().startsWith('{"type":"ack"')) callback();
      });
    },
    onDeliver(callback) {
      receiver.on('message', (data) => {
        const frame = JSON.parse((data as Buffer).toString()) as { type: string; message?: { text: string } };
        if (frame.type === 'message.created' && frame.message) callback(...parseStamp(frame.message.text));
      });
    },
    close() {
      sender.terminate();
      receiver.terminate();
    },
  };
}

/** A sender and a receiver in one Socket.IO room; on two servers when `receiverPort` differs (a cross-node pair). */
export async function socketIoPair(port: number, receiverPort = port, room = 'bench'): Promise<Pair> {
  const connect = (to: number) =>
    new Promise<Socket>((resolve) => {
      const socket = io(`http://127.0.0.1:${to}`, { transports: ['websocket'], query: { room } });
      socket.once('connect', () => resolve(socket));
    });
  const sender = await connect(port);
  const receiver = await connect(receiverPort);
  let ack: () => void = () => {};
  return {
    send(i, t0) {
      sender.emit('message', { i, t0 }, () => ack());
    },
    onAck(callback) {
      ack = callback;
    },
    onDeliver(callback) {
      receiver.on('message', (payload: { i: number; t0: number }) => callback(payload.i, payload.t0));
    },
    close() {
      sender.close();
      receiver.close();
    },
  };
}

/** Several pairs driven as one: message `i` goes through pair `i mod n`; acks and deliveries of all are reported. */
export function spread(pairs: readonly Pair[]): Pair {
  return {
    send(i, t0) {
      pairs[i % pairs.length]?.send(i, t0);
    },
    onAck(callback) {
      for (const pair of pairs) pair.onAck(callback);
    },
    onDeliver(callback) {
      for (const pair of pairs) pair.onDeliver(callback);
    },
    close() {
      for (const pair of pairs) pair.close();
    },
  };
}

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Streams a file as the body of one HTTP request; resolves with the status once the answer is in. */
export function streamFile(url: string, method: string, headers: Record<string, string>, path: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(size) } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), req).catch(reject);
  });
}
