/** A configuration the relay cannot start with; `key` names the bad key, and the env var it came from when it did. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`Invalid configuration: ${key}: ${message}`);
  }
}
