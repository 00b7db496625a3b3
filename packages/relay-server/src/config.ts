/**
 * The relay's configuration, one typed object: its schema (`config/schema.ts`, channel
 * accounts in `config/channels.ts`), read from a JSON file and env vars (`config/load.ts`,
 * `config/env.ts`), defaults filled and validated with an error naming the bad key
 * (`config/resolve.ts`).
 */
export { type ChannelConfig, ChannelConfigSchema } from './config/channels.js';
export { ENV_VARS } from './config/env.js';
export { ConfigError } from './config/error.js';
export { loadConfig } from './config/load.js';
export { resolveConfig } from './config/resolve.js';
export { type RelayConfig, type RelayConfigInput, RelayConfigSchema } from './config/schema.js';
