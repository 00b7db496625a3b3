import type { UsersRepository } from '../store/types.js';
import type { Principal, TokenService } from './tokens.js';

/**
 * Turns a bearer credential into a principal. Users who arrive with a token minted by the
 * app's own backend get a user row on first sight (named from the `name` claim), so they
 * can be added to conversations without a separate sign-up call.
 */
export class Authenticator {
  readonly #known = new Set<string>();

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
  ) {}

  async authenticate(credential: string | undefined): Promise<Principal> {
    const principal = await this.tokens.authenticate(credential);
    if (principal.kind === 'user' && !this.#known.has(principal.userId)) {
      await this.users.ensure(principal.userId, principal.displayName, Date.now());
      if (this.#known.size > 100_000) this.#known.clear();
      this.#known.add(principal.userId);
    }
    return principal;
  }
}

/** Reads `Authorization: Bearer <credential>`. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}
