import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchServer {
  name: string;
  port: number;
  child: ChildProcess;
  /** Peak resident memory so far, in bytes (Linux). */
  peakRss(): number;
  /** Heap in use after a full GC, in bytes. */
  heap(): Promise<number>;
  stop(): Promise<void>;
}

const TASKSET = '/usr/bin/taskset';

/** The packages the relay is built from; the bench refuses a `dist` older than their sources. */
const BUILT = ['protocol', 'connectors', 'relay-server'];

/** Throws when a package the relay runs from was changed after it was built (`pnpm build` first). */
export function assertRelayBuilt(): void {
  if (process.env.BENCH_RELAY_SOURCE === '1') return;
  for (const pkg of BUILT) {
    const dir = fileURLToPath(new URL(`../../packages/${pkg}/`, import.meta.url));
    const built = join(dir, 'dist', 'index.js');
    if (!existsSync(built)) throw new Error(`${pkg} is not built: run pnpm build first (or BENCH_RELAY_SOURCE=1)`);
    const newest = newestMtime(join(dir, 'src'));
    if (newest > statSync(built).mtimeMs)
      throw new Error(`${pkg}/dist is older than its src: run pnpm build first (or BENCH_RELAY_SOURCE=1)`);
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Starts a bench server in its own process, pinned to CPU 0 when `taskset` exists (the load generator takes CPU 1). */
export async function startServer(
  name: 'relay' | 'raw-ws' | 'socketio' | 'raw-put' | 'sqlite-inserts',
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const script = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  // BENCH_SERVER_FLAGS passes extra node flags to the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (env.BENCH_SERVER_FLAGS ?? process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  // The relay runs as built (`dist`, what `chat4all-relay` and the image run); BENCH_RELAY_SOURCE=1
  // runs it from `src` through tsx instead, whose helpers then cost time on the hot path.
  const source = process.env.BENCH_RELAY_SOURCE === '1' ? ['--conditions=@chat4all/source'] : [];
  const node = [process.execPath, '--expose-gc', ...extra, ...source, '--import', 'tsx', script];
  const [command, ...args] = existsSync(TASKSET) ? [TASKSET, '-c', '0', ...node] : node;
  const child = spawn(command as string, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: number }) =>
      message.port ? resolve(message.port) : reject(new Error(`${name} did not start`)),
    );
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return {
    name,
    port,
    child,
    peakRss: () => {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return Number(match?.[1]) * 1024;
    },
    heap: () =>
      new Promise((resolve) => {
        child.once('message', (message: { heap: number }) => resolve(message.heap));
        child.send('heap');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/** Pins this process (the load generator) to CPU 1. */
export function pinLoadGenerator(): boolean {
  if (!existsSync(TASKSET)) return false;
  const result = spawn(TASKSET, ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  return result.pid !== undefined;
}
