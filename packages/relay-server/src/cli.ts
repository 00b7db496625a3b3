#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { TokenService } from './auth/tokens.js';
import { ConfigError, loadConfig, type RelayConfig } from './config.js';
import { createStore } from './infrastructure.js';
import { createRelay } from './relay.js';
import { resolveSecrets } from './secrets.js';

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
  const store = await createStore(config);
  try {
    await store.migrate();
    await store.users.ensure(userId, name ?? null, Date.now());
  } finally {
    await store.close();
  }
  const tokens = new TokenService({ ...config.auth, ...secrets });
  const minted = await tokens.mint(userId, { ttlSeconds: ttl ? Number(ttl) : undefined });
  console.log(minted.token);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(error);
    process.exit(1);
  },
);
