import { readFileSync } from 'node:fs';
import { overlayEnv } from './env.js';
import { ConfigError } from './error.js';
import { resolveConfig } from './resolve.js';
import type { RelayConfig } from './schema.js';

/**
 * Reads the configuration the CLI and Docker image use: the JSON file named by `file` (or
 * `CHAT4ALL_CONFIG`), overlaid by env vars. Values from env are strings; numbers and
 * booleans are coerced by the schema.
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; file?: string } = {}): RelayConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.CHAT4ALL_CONFIG;
  let input: Record<string, unknown> = {};
  if (file) {
    try {
      input = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError('CHAT4ALL_CONFIG', `cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const sources = overlayEnv(input, env);
  return resolveConfig(input, sources);
}
