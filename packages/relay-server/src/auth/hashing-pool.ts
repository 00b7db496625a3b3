import { Worker } from 'node:worker_threads';
import { RelayError } from '../errors.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface HashingPoolOptions {
  /** Hashes computed at once, each on a worker thread of its own (each takes 128 × N × r bytes: 128 MiB at the default cost). */
  inFlight: number;
  /** Hashes that may wait for a worker; past that, AUTH_BUSY at once. */
  queue: number;
}

interface Job {
  password: string;
  salt: Buffer;
  keyLength: number;
  params: ScryptParams;
  resolve(key: Buffer): void;
  reject(error: unknown): void;
}

interface Answer {
  key?: Uint8Array;
  error?: string;
}

/**
 * The worker's whole program, evaluated as a string so it runs the same from source (tsx,
 * vitest), from the ESM build and from the CJS build, with no second entry point for tsup to
 * emit and no path to resolve at run time. That, and needing only "a fixed number in flight,
 * a short queue, refuse beyond", is why this is hand-written rather than piscina, which
 * loads its workers from a file.
 *
 * The worker lowers its own thread's priority (Linux `setpriority` on its thread id): where
 * cores are short, the event loop, the libuv pool (JWT verification, file I/O) and everything
 * else the relay does win the CPU over password hashing.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  require('node:os').setPriority(tid, 19);
} catch {}
parentPort.on('message', ({ password, salt, keyLength, params }) => {
  try {
    // maxmem must exceed 128 * N * r bytes or scrypt refuses the cost.
    const key = scryptSync(password, salt, keyLength, { ...params, maxmem: 256 * params.N * params.r });
    parentPort.postMessage({ key });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

/** A first guess at one hash's duration (~0.3 s at N=2^17), until one was measured. */
const FIRST_GUESS_MS = 300;

/**
 * scrypt on a few worker threads of its own, off the libuv pool that verifies JWTs
 * (WebCrypto) and does file I/O for everyone: a login flood then waits here, not in front of
 * every other request. At most `inFlight` hashes run and `queue` wait; a hash beyond that is
 * refused at once with AUTH_BUSY, so a flood costs neither memory nor latency to the rest.
 * Workers start on first use and never hold the process open.
 */
export class HashingPool {
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  readonly #waiting: Job[] = [];
  #averageMs = FIRST_GUESS_MS;
  #closed = false;

  constructor(private readonly options: HashingPoolOptions) {}

  derive(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new RelayError('SHUTTING_DOWN'));
    const canStart = this.#idle.length > 0 || this.#busy.size + this.#idle.length < this.options.inFlight;
    if (!canStart && this.#waiting.length >= this.options.queue) return Promise.reject(this.#busyError());
    return new Promise((resolve, reject) => {
      const job = { password, salt, keyLength, params, resolve, reject };
      if (canStart) this.#run(this.#idle.pop() ?? this.#spawn(), job);
      else this.#waiting.push(job);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#waiting.splice(0), ...this.#busy.values()]) job.reject(new RelayError('SHUTTING_DOWN'));
    const workers = [...this.#idle.splice(0), ...this.#busy.keys()];
    this.#busy.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  /** AUTH_BUSY, with the time the hashes ahead take to finish at the pace measured so far. */
  #busyError(): RelayError {
    const ahead = this.#busy.size + this.#waiting.length;
    const retryAfterMs = Math.ceil((this.#averageMs * ahead) / this.options.inFlight);
    return new RelayError('AUTH_BUSY', `Too many sign-ins in progress on this node; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      details: { retryAfterMs },
    });
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (answer: Answer) => this.#answered(worker, answer));
    // A crashing worker emits `error` and then `exit`: it is lost once, on the first.
    let lost = false;
    const lose = (error: unknown) => {
      if (lost) return;
      lost = true;
      this.#lost(worker, error);
    };
    worker.on('error', lose);
    worker.on('exit', (code) => lose(new Error(`password hashing worker exited with ${code}`)));
    return worker;
  }

  #run(worker: Worker, job: Job): void {
    this.#busy.set(worker, job);
    const started = performance.now();
    const { resolve } = job;
    // The average guides AUTH_BUSY's retry hint only.
    job.resolve = (key) => {
      this.#averageMs = 0.8 * this.#averageMs + 0.2 * (performance.now() - started);
      resolve(key);
    };
    worker.postMessage({ password: job.password, salt: job.salt, keyLength: job.keyLength, params: job.params });
  }

  #answered(worker: Worker, answer: Answer): void {
    const job = this.#busy.get(worker);
    this.#busy.delete(worker);
    if (answer.key) job?.resolve(Buffer.from(answer.key.buffer, answer.key.byteOffset, answer.key.byteLength));
    else job?.reject(new Error(`scrypt failed: ${answer.error}`));
    const next = this.#waiting.shift();
    if (next) this.#run(worker, next);
    else this.#idle.push(worker);
  }

  /** A worker that died fails its hash; the next hash starts a new worker in its place. */
  #lost(worker: Worker, error: unknown): void {
    const job = this.#busy.get(worker);
    this.#busy.delete(worker);
    const idle = this.#idle.indexOf(worker);
    if (idle >= 0) this.#idle.splice(idle, 1);
    job?.reject(error);
    const next = this.#closed ? undefined : this.#waiting.shift();
    if (next) this.#run(this.#spawn(), next);
  }
}
