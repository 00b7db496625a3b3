import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** Starts a bench server in its own process, pinned to CPU 0 when `taskset` exists (the load generator takes CPU 1). */
export async function startServer(
  name: 'relay' | 'raw-ws' | 'socketio' | 'raw-put',
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const script = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  // BENCH_SERVER_FLAGS passes extra node flags to the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const extra = (env.BENCH_SERVER_FLAGS ?? process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const node = [process.execPath, '--expose-gc', ...extra, '--conditions=@chat4all/source', '--import', 'tsx', script];
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
