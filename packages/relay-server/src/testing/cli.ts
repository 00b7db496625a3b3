import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RelayCli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the URL once the relay logs that it listens. */
  listening: Promise<string>;
}

/**
 * Runs `chat4all-relay` in a process of its own, with only the env given (and `PATH`): from this
 * package's TypeScript source, exactly as the built bin runs, when this module is itself run
 * from source; from `dist/cli.js` when it is the built package.
 */
export function relayCli(args: string[], env: Record<string, string>): RelayCli {
  // Resolved here, not at import: browser-like test environments import this module too.
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const entry = fromSource ? ['--conditions=@chat4all/source', '--import', 'tsx', 'src/cli.ts'] : ['dist/cli.js'];
  const child = spawn(process.execPath, [...entry, ...args], {
    // The package's root: src/testing/cli.ts and dist/testing/index.js are both two levels down.
    cwd: fileURLToPath(new URL('../..', here)),
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let output = '';
  let onListen: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => {
    onListen = resolve;
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
    if (match?.[1]) onListen(match[1]);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, listening };
}
