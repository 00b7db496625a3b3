#!/usr/bin/env node
// Entry point for `npm start` and `npm test` on a fresh clone: a machine with only Node and
// npm gets the pinned pnpm (from package.json#packageManager), the workspace installed, and
// then the requested task. Written with Node built-ins only because nothing else is
// installed when it first runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = pkg.packageManager; // e.g. pnpm@10.34.9
const pnpmVersion = pnpmSpec.split('@')[1];

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pnpmVersion) return ['pnpm', []];
  return ['npx', ['--yes', pnpmSpec]];
}

function pnpm(args) {
  const [cmd, pre] = pnpmCommand();
  return run(cmd, [...pre, ...args]);
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  const lock = join(root, 'pnpm-lock.yaml');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

function ensureInstalled() {
  if (!needsInstall()) return;
  const status = pnpm(['install', '--frozen-lockfile']);
  if (status !== 0) process.exit(status);
}

const [task, ...rest] = process.argv.slice(2);
ensureInstalled();
switch (task) {
  case 'start':
  case 'token': {
    const status = pnpm(['--filter', '@chat4all/relay-server...', 'run', 'build']);
    if (status !== 0) process.exit(status);
    // Run from where the user typed the command so the default ./data (its secrets too) is
    // the same for `npm start` and `npm run token`.
    const cli = join(root, 'packages', 'relay-server', 'dist', 'cli.js');
    process.exit(run(process.execPath, [cli, task, ...rest], { cwd: process.env.INIT_CWD ?? root }));
    break;
  }
  case 'test': {
    // The examples run against the built packages, as a user's app would: build first.
    const status = pnpm(['run', 'build']);
    if (status !== 0) process.exit(status);
    process.exit(pnpm(['exec', 'vitest', 'run', ...rest]));
    break;
  }
  case 'pnpm':
    // The workspace's own commands (build, typecheck…) for `npm run`, on a machine without pnpm.
    process.exit(pnpm(rest));
    break;
  default:
    console.error(`unknown task "${task}": expected start, token, test or pnpm`);
    process.exit(2);
}
