#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { TokenService } from './auth/tokens.js';
import { ConfigError, loadConfig, type RelayConfig } from './config.js';
import { createStore } from './infrastructure.js';
import { createRelay } from './relay.js';
import { resolveSecrets } from './secrets.js';
import { SqliteInUseError } from './store/sqlite/index.js';

const HELP = `chat4all-relay <command> [options]

Commands:
  start                 start the relay (embedded: SQLite under ./data; or PostgreSQL + Redis, see docs/scaling.md)
  migrate               create or upgrade the store's schema, then exit
  token <userId>        print a development access token for a user (created if missing)

Options:
  --config <file>       JSON config file (also CHAT4ALL_CONFIG); env vars override it
  --name <name>         token: display name for a user created by this command
  --ttl <seconds>       token: lifetime (default: auth.accessTokenTtlSeconds)
  -h, --help            show this help

Configuration: see docs/configuration.md (every key has a CHAT4ALL_* env var).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      name: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfig({ file: values.config });
  switch (command) {
    case 'start':
      return start(config);
    case 'migrate': {
      const store = await createStore(config);
      await store.migrate();
      await store.close();
      console.log('store is up to date');
      return 0;
    }
    case 'token':
      return token(config, rest[0], values.name, values.ttl);
    default:
      console.error(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

async function start(config: RelayConfig): Promise<number> {
  const relay = await createRelay(config);
  const url = await relay.listen();
  relay.app.log.info({ url, store: config.store.driver, dataDir: config.dataDir }, `chat4all relay listening on ${url}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      relay.app.log.info({ signal }, 'shutting down');
      relay.close().then(resolve, (error: unknown) => {
        relay.app.log.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

async function token(config: RelayConfig, userId: string | undefined, name: string | undefined, ttl: string | undefined): Promise<number> {
  if (!userId) {
    console.error('usage: chat4all-relay token <userId> [--name <display name>] [--ttl <seconds>]');
    return 2;
  }
  const { secrets } = resolveSecrets(config);
  await ensureUser(config, secrets.apiKey, userId, name);
  const tokens = new TokenService({ ...config.auth, ...secrets });
  const minted = await tokens.mint(userId, { ttlSeconds: ttl ? Number(ttl) : undefined });
  console.log(minted.token);
  return 0;
}

/** Makes the user in the store, or, when a running relay holds the SQLite file, through that relay's server API. */
async function ensureUser(config: RelayConfig, apiKey: string, userId: string, name: string | undefined): Promise<void> {
  let store: Awaited<ReturnType<typeof createStore>>;
  try {
    store = await createStore(config);
  } catch (error) {
    if (!(error instanceof SqliteInUseError)) throw error;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/v1/users/${encodeURIComponent(userId)}`;
    const response = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(name === undefined ? {} : { displayName: name }),
    }).catch((cause: unknown) => {
      throw new Error(`${error.message}, and no relay answered at ${url}`, { cause });
    });
    if (!response.ok) throw new Error(`The relay at ${url} answered ${response.status}: ${await response.text()}`);
    return;
  }
  try {
    await store.migrate();
    await store.users.ensure(userId, name ?? null, Date.now());
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
