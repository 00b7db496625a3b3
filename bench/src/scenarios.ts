import type WebSocket from 'ws';
import { api, now, openWs, type Pair, percentile, token } from './clients.js';
import type { BenchServer } from './spawn.js';

/**
 * Closed-loop throughput: `window` sends in flight, until the receiver has all `total`.
 * Messages per second, timed from the end of a warm-up of `warmup` messages (JIT compilation).
 */
export function throughput(pair: Pair, total: number, window: number, warmup = 5_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const all = warmup + total;
    let sent = 0;
    let acked = 0;
    let delivered = 0;
    let started = now();
    const pump = () => {
      while (sent < all && sent - acked < window) pair.send(sent++, now());
    };
    pair.onAck(() => {
      acked++;
      pump();
    });
    const stop = stallGuard(() => delivered, all, reject);
    pair.onDeliver(() => {
      delivered++;
      if (delivered === warmup) started = now();
      if (delivered === all) {
        stop();
        resolve(total / ((now() - started) / 1000));
      }
    });
    pump();
  });
}

/**
 * Open-loop latency: sends at `rate` per second for `seconds` whatever the answers;
 * send→deliver p50/p95/p99 in ms. The first fifth (at most 1,000 messages) warms up and is not measured.
 */
export function latency(pair: Pair, rate: number, seconds: number): Promise<{ p50: number; p95: number; p99: number }> {
  return new Promise((resolve, reject) => {
    const total = rate * seconds;
    const warmup = Math.min(1000, Math.floor(total / 5));
    const samples: number[] = [];
    let delivered = 0;
    let sent = 0;
    const started = now();
    pair.onAck(() => {});
    const stop = stallGuard(() => delivered, total, reject);
    pair.onDeliver((i, t0) => {
      if (i >= warmup) samples.push(now() - t0);
      if (++delivered === total) {
        stop();
        samples.sort((a, b) => a - b);
        resolve({ p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99) });
      }
    });
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - started) * rate) / 1000));
      while (sent < due) pair.send(sent++, now());
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

/** Fails a run in which nothing more was delivered for 30 s (a system that lost messages), saying how many arrived. */
function stallGuard(delivered: () => number, expected: number, reject: (error: Error) => void): () => void {
  let last = -1;
  const timer = setInterval(() => {
    const now = delivered();
    if (now === last) {
      clearInterval(timer);
      reject(new Error(`stalled: ${now} of ${expected} messages delivered, none in the last 30 s`));
    }
    last = now;
  }, 30_000);
  return () => clearInterval(timer);
}

/** Heap per idle connection: heap after a full GC with `count` connections open, minus before, divided. */
export async function heapPerConnection(server: BenchServer, count: number, url: (i: number) => Promise<string>): Promise<number> {
  const before = await server.heap();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 250) {
    const batch = await Promise.all(Array.from({ length: Math.min(250, count - i) }, async (_, j) => openWs(await url(i + j))));
    sockets.push(...batch);
  }
  const after = await server.heap();
  for (const socket of sockets) socket.terminate();
  return (after - before) / count;
}

export interface Crowd {
  sockets: WebSocket[];
  /**
   * Resolves when every socket has received a frame containing `marker` since the call.
   * A substring test rather than JSON.parse keeps the load generator's cost per frame low,
   * so the figure is the server's, not the harness's.
   */
  all(marker: string): Promise<void>;
  close(): void;
}

/** Opens `urls` (in batches) as one crowd of receivers. */
export async function crowd(urls: readonly string[]): Promise<Crowd> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < urls.length; i += 250) sockets.push(...(await Promise.all(urls.slice(i, i + 250).map(openWs))));
  return {
    sockets,
    all(marker) {
      return new Promise((resolve) => {
        let pending = sockets.length;
        for (const socket of sockets) {
          const listener = (data: WebSocket.RawData) => {
            if (!data.toString().includes(marker)) return;
            socket.off('message', listener);
            if (--pending === 0) resolve();
          };
          socket.on('message', listener);
        }
      });
    },
    close() {
      for (const socket of sockets) socket.terminate();
    },
  };
}

/**
 * Fan-out: `messages` sends, one at a time, each until every member has it; p50/p99 of
 * send→last member in ms. The first `warmup` sends are not measured (JIT compilation).
 */
export async function fanOut(
  send: (i: number) => void,
  members: Crowd,
  messages: number,
  warmup = 10,
): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = -warmup; i < messages; i++) {
    const arrived = members.all(`"fan ${i}"`);
    const started = now();
    send(i);
    await arrived;
    if (i >= 0) samples.push(now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export { api, token };
