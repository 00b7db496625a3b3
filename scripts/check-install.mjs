#!/usr/bin/env node
// What a stranger gets from npm: packs every publishable package (workspace ranges rewritten
// to versions), installs the tarballs into a fresh npm project outside the workspace, imports
// each as ESM and as CommonJS, starts the relay from the installed package
// (`npx chat4all-relay start`) and sends a message between two installed SDK clients.
// Node built-ins only; exits non-zero on the first thing that does not work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['protocol', 'connectors', 'relay-server', 'sdk-js', 'sdk-react'];
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
}

function pnpm(args, cwd) {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pnpmVersion) run('pnpm', args, { cwd });
  else run('npx', ['--yes', `pnpm@${pnpmVersion}`, ...args], { cwd });
}

const work = mkdtempSync(join(tmpdir(), 'chat4all-outside-'));
const packs = join(work, 'packs');
const app = join(work, 'app');
try {
  for (const name of PACKAGES) pnpm(['pack', '--pack-destination', packs], join(root, 'packages', name));
  const tarballs = readdirSync(packs).map((file) => join(packs, file));
  for (const tarball of tarballs) {
    const manifest = spawnSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout;
    if (manifest.includes('workspace:')) throw new Error(`${tarball} still names a workspace: range`);
  }

  run('mkdir', ['-p', app]);
  // better-sqlite3 (the embedded store) builds on install; npm 11 asks for its script to be allowed.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'outside', private: true, allowScripts: { 'better-sqlite3': true } }));
  run('npm', ['install', '--no-audit', '--no-fund', ...tarballs, 'ws', 'react', 'react-dom'], { cwd: app });

  writeFileSync(
    join(app, 'imports.cjs'),
    `for (const name of ['@chat4all/protocol', '@chat4all/connectors', '@chat4all/relay-server', '@chat4all/sdk-js', '@chat4all/sdk-react']) {
  const mod = require(name);
  if (Object.keys(mod).length === 0) throw new Error(name + ' exports nothing as CommonJS');
}
console.log('CommonJS: every package loads');
// The relay's thumbnails: sharp's binary for this platform came as an npm package, with no install script run.
const sharp = require(require.resolve('sharp', { paths: [require.resolve('@chat4all/relay-server')] }));
sharp({ create: { width: 64, height: 32, channels: 3, background: '#000' } })
  .webp()
  .toBuffer({ resolveWithObject: true })
  .then(({ info }) => {
    if (info.format !== 'webp' || info.width !== 64) throw new Error('sharp made no WebP');
    console.log('sharp ' + sharp.versions.sharp + ' (libvips ' + sharp.versions.vips + ') makes thumbnails');
  });
`,
  );
  run(process.execPath, ['imports.cjs'], { cwd: app });

  writeFileSync(
    join(app, 'smoke.mjs'),
    `import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '@chat4all/protocol';
import { createRelay } from '@chat4all/relay-server';
import { createClient } from '@chat4all/sdk-js';
import { ChatProvider } from '@chat4all/sdk-react';
import WebSocket from 'ws';

if (!ERROR_CODES.BAD_REQUEST || typeof createRelay !== 'function' || typeof ChatProvider !== 'function') throw new Error('ESM exports missing');
const apiKey = 'sk_outside_0123456789abcdefghijklmnopqrst';
// npx runs the installed bin in a child of its own: the relay is its own process group, so SIGTERM reaches it.
const relay = spawn('npx', ['chat4all-relay', 'start'], {
  detached: true,
  env: { ...process.env, CHAT4ALL_PORT: '0', CHAT4ALL_DATA_DIR: mkdtempSync(join(tmpdir(), 'outside-data-')), CHAT4ALL_API_KEY: apiKey, CHAT4ALL_APP_SECRET: 'outside-app-secret-0123456789-abcdefghijkl', CHAT4ALL_LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  relay.stdout.on('data', (chunk) => {
    out += chunk;
    const match = /listening on (http:\\/\\/[\\d.:]+)/.exec(out);
    if (match) resolve(match[1]);
  });
  relay.once('exit', (code) => reject(new Error('the installed relay exited with ' + code)));
});
const api = async (method, path, body) => {
  const response = await fetch(url + path, { method, headers: { authorization: 'Bearer ' + apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(method + ' ' + path + ': ' + response.status);
  return response.json();
};
for (const id of ['ana', 'bob']) await api('PUT', '/v1/users/' + id, {});
const token = async (id) => (await api('POST', '/v1/users/' + id + '/tokens', {})).token;
const conversation = await api('POST', '/v1/conversations', { type: 'private', userId: 'bob', createdBy: 'ana' });
const ana = createClient({ url, token: await token('ana'), WebSocket });
const bob = createClient({ url, token: await token('bob'), WebSocket });
await Promise.all([ana.connect(), bob.connect()]);
const received = new Promise((resolve) => bob.on('message', (message) => resolve(message.text)));
await ana.send(conversation.id, 'hello from an installed SDK');
if ((await received) !== 'hello from an installed SDK') throw new Error('the message did not arrive');
ana.close();
bob.close();
let log = '';
relay.stdout.on('data', (chunk) => { log += chunk; });
process.kill(-relay.pid, 'SIGTERM');
await new Promise((resolve) => relay.once('exit', resolve));
if (!log.includes('shutting down')) throw new Error('the relay did not shut down on SIGTERM');
console.log('ESM: the installed relay started with npx, and a message went from one installed SDK client to another');
`,
  );
  run(process.execPath, ['smoke.mjs'], { cwd: app });
  console.log(`installed from packs: ${readdirSync(packs).join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
