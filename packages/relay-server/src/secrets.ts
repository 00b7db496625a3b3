import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type RelayConfig } from './config.js';

export interface Secrets {
  appSecret: string;
  apiKey: string;
}

export const SECRETS_FILE = 'secrets.json';

/**
 * The app secret and API key: from the config when given; otherwise, outside production,
 * read from (or generated into) `<dataDir>/secrets.json` so a development relay keeps the
 * same keys across restarts. `generated` lists what was written so the caller can say so.
 */
export function resolveSecrets(config: RelayConfig): { secrets: Secrets; generated: string[]; file: string } {
  const file = join(config.dataDir, SECRETS_FILE);
  const { appSecret, apiKey } = config.auth;
  if (appSecret && apiKey) return { secrets: { appSecret, apiKey }, generated: [], file };
  if (config.env === 'production') {
    const missing = appSecret ? 'auth.apiKey' : 'auth.appSecret';
    const env = appSecret ? 'CHAT4ALL_API_KEY' : 'CHAT4ALL_APP_SECRET';
    throw new ConfigError(missing, `is required when NODE_ENV=production (set ${env}; generate one with \`openssl rand -base64 48\`)`);
  }
  const stored: Partial<Secrets> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>) : {};
  const generated: string[] = [];
  const secrets: Secrets = {
    appSecret: appSecret ?? stored.appSecret ?? generate('appSecret', generated, () => randomBytes(48).toString('base64url')),
    apiKey: apiKey ?? stored.apiKey ?? generate('apiKey', generated, () => `sk_${randomBytes(32).toString('base64url')}`),
  };
  if (generated.length > 0) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...stored, ...pick(secrets, generated) }, null, 2)}\n`, { mode: 0o600 });
  }
  return { secrets, generated, file };
}

function generate(name: string, generated: string[], make: () => string): string {
  generated.push(name);
  return make();
}

function pick(secrets: Secrets, keys: string[]): Partial<Secrets> {
  return Object.fromEntries(keys.map((key) => [key, secrets[key as keyof Secrets]]));
}
