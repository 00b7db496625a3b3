import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, startRelay, tusMetadata } from './fixtures.js';

/** A raw TCP client to the relay, from `localAddress` (127.0.0.x is a distinct client). */
function open(relay: RunningRelay, localAddress = '127.0.0.1'): Promise<Socket & { ended: Promise<void> }> {
  const { port } = new URL(relay.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress }) as Socket & { ended: Promise<void> };
    socket.ended = new Promise((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `chunks` one by one, each after the previous went out and `gapMs` passed (the trickle is the test). */
async function trickle(socket: Socket, chunks: Buffer[], gapMs: number): Promise<number> {
  let sent = 0;
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
    sent += chunk.length;
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return sent;
}

describe('slow clients', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('cuts a body that trickles, on any route, a tus PATCH included; an upload that keeps flowing finishes however long it takes', async () => {
    relay = await startRelay({ limits: { bodyTimeoutMs: 1000, bodyMinBytesPerSecond: 1000 } });
    const user = await relay.user();
    const conversation = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: user.id },
    });

    const json = await open(relay);
    json.write(
      `POST /v1/conversations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${user.token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`,
    );
    const jsonSent = trickle(
      json,
      Array.from({ length: 100 }, () => Buffer.from(' ')),
      50,
    );
    await json.ended;
    expect(await jsonSent).toBeLessThan(100);

    const size = 4 * 1024 * 1024;
    const patchHead = async () => {
      const created = await fetch(`${relay.url}/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${user.token}`,
          'tus-resumable': '1.0.0',
          'upload-length': String(size),
          'upload-metadata': tusMetadata({ conversationId: conversation.body.id }),
        },
      });
      const location = created.headers.get('location') as string;
      return `PATCH ${location} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${user.token}\r\ntus-resumable: 1.0.0\r\nupload-offset: 0\r\ncontent-type: application/offset+octet-stream\r\ncontent-length: ${size}\r\n\r\n`;
    };
    const slow = await open(relay);
    slow.write(await patchHead());
    const slowSent = trickle(
      slow,
      Array.from({ length: 200 }, () => randomBytes(10)),
      50,
    );
    await slow.ended;
    expect(await slowSent).toBeLessThan(2000);

    // 4 MiB in 64 KiB pieces spread over several windows: far above the minimum rate, so never cut.
    const steady = await open(relay);
    let answer = '';
    steady.on('data', (data) => {
      answer += data.toString();
    });
    steady.write(await patchHead());
    const pieces = Array.from({ length: 64 }, () => randomBytes(64 * 1024));
    await trickle(steady, pieces, 15);
    await new Promise<void>((resolve) => {
      const check = () => (answer.includes('\r\n\r\n') ? resolve() : steady.once('data', check));
      check();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 204/);
    expect(answer.toLowerCase()).toContain(`upload-offset: ${size}`);
    steady.destroy();
  });

  it('cuts headers that trickle', async () => {
    relay = await startRelay({ limits: { bodyTimeoutMs: 1000 } });
    const socket = await open(relay);
    const head = Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ${'a'.repeat(200)}`);
    const sent = trickle(
      socket,
      [...head].map((byte) => Buffer.from([byte])),
      20,
    );
    await socket.ended;
    expect(await sent).toBeLessThan(head.length);
  });

  it('caps the connections one address holds; other addresses still connect', async () => {
    relay = await startRelay({ limits: { connectionsPerIp: 5 } });
    const held = await Promise.all(Array.from({ length: 5 }, () => open(relay, '127.0.0.2')));
    const sixth = await open(relay, '127.0.0.2');
    await sixth.ended;
    const other = await fetch(`${relay.url}/healthz`);
    expect(other.status).toBe(200);
    for (const socket of held) expect(socket.destroyed).toBe(false);
    // One closes: once the relay has seen it go, a new one from the same address fits again.
    held[0]?.destroy();
    const healthz = async () => {
      const socket = await open(relay, '127.0.0.2');
      socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      const outcome = await new Promise<string>((resolve) => {
        socket.once('data', (data) => resolve(data.toString().split('\r\n')[0] ?? ''));
        void socket.ended.then(() => resolve('closed'));
      });
      socket.destroy();
      return outcome;
    };
    await expect.poll(healthz).toBe('HTTP/1.1 200 OK');
    for (const socket of held) socket.destroy();
  });
});
