import { api, now, openWs, percentile, token, uuidv7 } from './clients.js';
import type { BenchServer } from './spawn.js';

export interface Probed {
  /** JWT-authenticated history reads: p50 and p99 in ms. */
  read: { p50: number; p99: number };
  /** WebSocket connects (open → welcome): p50 and p99 in ms. */
  connect: { p50: number; p99: number };
}

export interface Flooded extends Probed {
  /** Answers to the flood's logins, by HTTP status. */
  statuses: Record<number, number>;
  /** Growth of the relay's peak resident memory during the flood, in bytes. */
  rssGrowth: number;
}

/** Reads a second and connects a second while probing: 500 and 100 samples in 5 s, so a p99 is not one outlier. */
const READ_RATE = 100;
const CONNECT_RATE = 20;

/**
 * A login flood: wrong-password logins at `loginsPerSecond` for `seconds`, open
 * loop (each sent whatever became of the earlier ones, as ten addresses each under its
 * per-IP limit would send them), to usernames that do not exist, so no per-account limit
 * shapes them and every one costs a full password hash. Meanwhile a user reads history with
 * a JWT and opens WebSockets; their latencies are timed until the last one is answered.
 */
export class LoginFlood {
  private constructor(
    private readonly server: BenchServer,
    private readonly readUrl: string,
    private readonly wsUrl: string,
    private readonly accessToken: string,
  ) {}

  /** A reader with a conversation of 50 messages; warms up reads, connects and the login path. */
  static async prepare(server: BenchServer): Promise<LoginFlood> {
    await api(server.port, 'PUT', '/v1/users/flood-reader', {});
    const conv = await api<{ id: string }>(server.port, 'POST', '/v1/conversations', {
      type: 'group',
      createdBy: 'flood-reader',
      memberIds: [],
    });
    for (let i = 0; i < 50; i++)
      await api(server.port, 'POST', `/v1/conversations/${conv.id}/messages`, { id: uuidv7(), text: `history ${i}` });
    const accessToken = await token('flood-reader');
    const flood = new LoginFlood(
      server,
      `http://127.0.0.1:${server.port}/v1/conversations/${conv.id}/messages?limit=50`,
      `ws://127.0.0.1:${server.port}/v1/ws?access_token=${accessToken}`,
      accessToken,
    );
    for (let i = 0; i < 200; i++) await flood.read();
    for (let i = 0; i < 20; i++) await flood.connect();
    await flood.login('warm-up');
    return flood;
  }

  /**
   * The probes for `seconds` during the flood, beside the probes alone for `seconds` before
   * it and `seconds` after it, pooled, so a change in what else the machine does meanwhile
   * weighs on both sides alike.
   */
  async compare(seconds: number, loginsPerSecond: number): Promise<{ calm: Probed; flooded: Flooded }> {
    const before = await this.#samples(seconds);
    const rssBefore = this.server.peakRss();
    const statuses: Record<number, number> = {};
    const [during] = await Promise.all([
      this.#samples(seconds),
      openLoop(loginsPerSecond, seconds, async (i) => {
        const status = await this.login(`flood-${i}`);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
    ]);
    const rssGrowth = this.server.peakRss() - rssBefore;
    const after = await this.#samples(seconds);
    const ascending = (samples: number[]) => samples.sort((a, b) => a - b);
    return {
      calm: summary(ascending([...before.reads, ...after.reads]), ascending([...before.connects, ...after.connects])),
      flooded: { ...summary(during.reads, during.connects), statuses, rssGrowth },
    };
  }

  async #samples(seconds: number): Promise<{ reads: number[]; connects: number[] }> {
    const [reads, connects] = await Promise.all([
      openLoop(READ_RATE, seconds, () => this.read()),
      openLoop(CONNECT_RATE, seconds, () => this.connect()),
    ]);
    return { reads, connects };
  }

  async read(): Promise<void> {
    const response = await fetch(this.readUrl, { headers: { authorization: `Bearer ${this.accessToken}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`history read answered ${response.status}`);
  }

  async connect(): Promise<void> {
    (await openWs(this.wsUrl)).terminate();
  }

  async login(username: string): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.server.port}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'not the password' }),
    });
    await response.arrayBuffer();
    return response.status;
  }
}

function summary(reads: number[], connects: number[]): Probed {
  return {
    read: { p50: percentile(reads, 50), p99: percentile(reads, 99) },
    connect: { p50: percentile(connects, 50), p99: percentile(connects, 99) },
  };
}

/** Calls `request` `rate` times a second for `seconds` whatever the answers; each call's latency in ms, ascending, once all are answered. */
async function openLoop(rate: number, seconds: number, request: (i: number) => Promise<void>): Promise<number[]> {
  const total = Math.round(rate * seconds);
  const answered: Promise<number>[] = [];
  const started = now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - started) * rate) / 1000));
      while (answered.length < due) {
        const t0 = now();
        answered.push(request(answered.length).then(() => now() - t0));
      }
      if (answered.length < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  return (await Promise.all(answered)).sort((a, b) => a - b);
}
