/** Seconds before a token's `exp` at which the provider is asked for a new one. */
const REFRESH_MARGIN_S = 30;

export interface TokenSourceOptions {
  /** A fixed user token. */
  token?: string | undefined;
  /** Returns a fresh user token. */
  tokenProvider?: (() => string | Promise<string>) | undefined;
  /** The user each token names (its `sub`), known before any welcome. */
  onUser?(userId: string): void;
}

/**
 * The user's token for the socket, REST and uploads: a fixed one or the provider's, asked for
 * again shortly before it expires and whenever a caller was refused (`current(true)`).
 */
export class TokenSource {
  #token: { value: string; exp: number } | null = null;
  readonly #options: TokenSourceOptions;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  /** Whether a refused token is worth one more try: only a provider can give a different one. */
  get renewable(): boolean {
    return this.#options.tokenProvider !== undefined;
  }

  async current(refresh = false): Promise<string> {
    const now = Date.now() / 1000;
    if (this.#token && !refresh && (this.#token.exp === 0 || this.#token.exp - REFRESH_MARGIN_S > now)) return this.#token.value;
    const value = this.#options.tokenProvider ? await this.#options.tokenProvider() : (this.#options.token ?? '');
    const claims = claimsOf(value);
    this.#token = { value, exp: typeof claims.exp === 'number' ? claims.exp : 0 };
    if (typeof claims.sub === 'string') this.#options.onUser?.(claims.sub);
    return value;
  }
}

/** The claims of a JWT, unverified (the relay verifies); empty when it cannot be read. */
export function claimsOf(token: string): { exp?: unknown; sub?: unknown } {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; sub?: unknown };
  } catch {
    return {};
  }
}
