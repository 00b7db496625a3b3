import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, ServerFrame } from '@chat4all/protocol';
import WebSocket from 'ws';
import { createRelay, type Relay, type RelayConfigInput, type RelayDependencies } from '../src/index.js';
import { deleteKeys, REDIS_URL } from '../src/testing/databases.js';

export { type RelayCli as Cli, relayCli as cli } from '../src/testing/cli.js';
export { deleteKeys, dropSchemas, POSTGRES_URL, REDIS_URL } from '../src/testing/databases.js';
export { freePort } from '../src/testing/ports.js';
export { signedToken } from '../src/testing/tokens.js';

export const APP_SECRET = 'test-app-secret-0123456789-abcdefghijklmnop';
export const API_KEY = 'sk_test_0123456789abcdefghijklmnopqrstuvwxyz';

/** For tests that send thousands of messages as fast as they can: lift the per-user send limit. */
export const UNLIMITED = { messagesPerMinute: 10_000_000, messageBurst: 1_000_000 } as const;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'chat4all-'));
}

export interface RunningRelay extends AsyncDisposable {
  relay: Relay;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** Calls the HTTP API; `as` is a user token or the API key. */
  http<T = unknown>(
    method: string,
    path: string,
    options?: { as?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  /** Upserts a user through the server API and returns a token for them. */
  user(id?: string): Promise<{ id: string; token: string }>;
  /** Opens a WebSocket as `token` and waits for its `welcome`. */
  connect(token: string): Promise<TestSocket>;
  close(): Promise<void>;
}

/** `config` for relays that open one SQLite file together (two nodes in one test): none may hold it alone. */
export function sharedFile(config: RelayConfigInput = {}): RelayConfigInput {
  return { ...config, store: { ...config.store, sqlite: { ...config.store?.sqlite, exclusive: false } } };
}

/**
 * Two relay nodes sharing one SQLite file (the store) and this machine's Redis (the bus,
 * under a fresh key prefix); `close` stops both and deletes the keys. `nodeB` adds to the
 * second node's config and replaces its dependencies.
 */
export async function twoNodes(
  config: RelayConfigInput = {},
  deps: RelayDependencies = {},
  nodeB: { config?: RelayConfigInput; deps?: RelayDependencies } = {},
): Promise<{ a: RunningRelay; b: RunningRelay; close(): Promise<void> }> {
  const keyPrefix = `test:${randomBytes(6).toString('hex')}`;
  const shared = { ...sharedFile(config), bus: { driver: 'redis' as const, redis: { url: REDIS_URL, keyPrefix } } };
  const a = await startRelay(shared, { deps });
  const b = await startRelay({ ...shared, ...nodeB.config }, { dataDir: a.dataDir, keepData: true, deps: nodeB.deps ?? deps }).catch(
    async (error: unknown) => {
      await a.close();
      throw error;
    },
  );
  return {
    a,
    b,
    async close() {
      await b.close();
      await a.close();
      await deleteKeys(keyPrefix);
    },
  };
}

/** Starts a real relay on an ephemeral port with a fresh data dir (or the one given, to test restarts). */
export async function startRelay(
  config: RelayConfigInput = {},
  options: { dataDir?: string; keepData?: boolean; deps?: RelayDependencies } = {},
): Promise<RunningRelay> {
  const dataDir = options.dataDir ?? tempDir();
  const relay = await createRelay(
    {
      port: 0,
      dataDir,
      logLevel: 'silent',
      ...config,
      auth: { appSecret: APP_SECRET, apiKey: API_KEY, ...config.auth },
    },
    options.deps,
  );
  const url = await relay.listen().catch(async (error: unknown) => {
    await relay.close();
    if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const sockets = new Set<TestSocket>();
  const running: RunningRelay = {
    relay,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}/v1/ws`,
    dataDir,
    async http<T>(method: string, path: string, opts: { as?: string; body?: unknown; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.as) headers.authorization = `Bearer ${opts.as}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async user(id = `u-${randomUUID().slice(0, 8)}`) {
      const put = await running.http('PUT', `/v1/users/${id}`, { as: API_KEY, body: { displayName: id } });
      if (put.status !== 200) throw new Error(`upsert ${id}: ${put.status} ${JSON.stringify(put.body)}`);
      const minted = await running.http<{ token: string }>('POST', `/v1/users/${id}/tokens`, { as: API_KEY, body: {} });
      return { id, token: minted.body.token };
    },
    async connect(token: string) {
      const socket = await TestSocket.open(`${running.wsUrl}?access_token=${encodeURIComponent(token)}`);
      sockets.add(socket);
      const welcome = await socket.next();
      if (welcome.type !== 'welcome') throw new Error(`expected welcome, got ${JSON.stringify(welcome)}`);
      return socket;
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      await relay.close();
      if (!options.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return running.close();
    },
  };
  return running;
}

/** A WebSocket client that queues frames so tests can await them in order, never sleep. */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  #waiters: Array<() => void> = [];
  #read = 0;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols?: string[], headers?: Record<string, string>): Promise<TestSocket> {
    const ws = new WebSocket(url, protocols, { headers });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame not yet consumed. */
  async next(): Promise<ServerFrame> {
    while (this.#read >= this.frames.length) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.frames[this.#read++] as ServerFrame;
  }

  /** Waits for the reply (`ack` or `error`) to request `id`, leaving other frames in place. */
  async reply(id: string): Promise<Extract<ServerFrame, { type: 'ack' | 'error' }>> {
    for (;;) {
      const found = this.frames.find((f) => (f.type === 'ack' || f.type === 'error') && f.id === id);
      if (found) return found as Extract<ServerFrame, { type: 'ack' | 'error' }>;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Sends a request frame and waits for its reply. */
  async request(frame: { type: string; id?: string; [key: string]: unknown }) {
    const id = frame.id ?? randomUUID();
    this.send({ ...frame, id });
    return this.reply(id);
  }

  /** Waits until some frame matches. */
  async waitFor<T extends ServerFrame>(predicate: (frame: ServerFrame) => frame is T): Promise<T>;
  async waitFor(predicate: (frame: ServerFrame) => boolean): Promise<ServerFrame>;
  async waitFor(predicate: (frame: ServerFrame) => boolean): Promise<ServerFrame> {
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Every message of a conversation, paging the history endpoint forwards. */
export async function readAllMessages(baseUrl: string, token: string, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  let after = 0;
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/conversations/${conversationId}/messages?after=${after}&limit=200`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await response.json()) as { messages: Message[]; hasMore: boolean };
    all.push(...page.messages);
    if (!page.hasMore) return all;
    after = page.messages[page.messages.length - 1]?.seq ?? after;
  }
}

/** Sends a text message over a socket and returns the reply frame. */
export function sendText(socket: TestSocket, conversationId: string, text: string, id: string = randomUUID()) {
  return socket.request({ type: 'message.send', conversationId, message: { id, text } });
}

/** The `Upload-Metadata` header of tus: comma-separated `key base64(value)` pairs. */
export function tusMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

/** Creates a tus upload of `length` bytes in a conversation and sends none of them; returns its id. */
export async function unfinishedUpload(relay: RunningRelay, token: string, conversationId: string, length = 10): Promise<string> {
  const created = await relay.relay.app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(length),
      'upload-metadata': tusMetadata({ conversationId }),
    },
  });
  return String(created.headers.location).split('/').pop() as string;
}

const MiB = 1024 * 1024;

/** Writes `size` random bytes to a file and returns its path and SHA-256. */
export async function randomFile(dir: string, size: number): Promise<{ path: string; sha256: string }> {
  const path = join(dir, `source-${randomUUID()}`);
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let written = 0; written < size; written += MiB) {
    const chunk = randomBytes(Math.min(MiB, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return { path, sha256: hash.digest('hex') };
}

/** A tus PATCH streaming the file from `offset`; with `cutAt`, the connection is destroyed once that many bytes were sent. */
export function patch(url: string, token: string, file: string, offset: number, size: number, cutAt?: number): Promise<number | 'cut'> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(size - offset),
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error) => (cutAt === undefined ? reject(error) : resolve('cut')));
    let sent = offset;
    const source = createReadStream(file, { start: offset, highWaterMark: MiB });
    source.on('data', (chunk) => {
      sent += chunk.length;
      if (cutAt !== undefined && sent >= cutAt) {
        source.destroy();
        req.destroy();
        return;
      }
      if (!req.write(chunk)) {
        source.pause();
        req.once('drain', () => source.resume());
      }
    });
    source.on('end', () => req.end());
  });
}

/** Peak resident memory of a process, from /proc. */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  raw: Buffer;
}

/** An app's webhook receiver: answers each call with the next status given (then 204), and lets tests await calls. */
export async function appReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: request.headers, body: JSON.parse(raw.toString()), raw });
      response.writeHead(statuses.shift() ?? 204).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    async until(predicate: (calls: Received[]) => boolean): Promise<Received[]> {
      while (!predicate(received)) await new Promise<void>((resolve) => waiters.push(resolve));
      return received;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
