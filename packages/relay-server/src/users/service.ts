import type { ServerUser, User, UserDirectoryQuery, UserPage } from '@chat4all/protocol';
import type { Principal, TokenService } from '../auth/tokens.js';
import { RelayError } from '../errors.js';
import { checkMetadataSize } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import type { DirectoryCursor, Store, UserInput } from '../store/types.js';

/** The app's users: profiles, what the server API key sees of them, and their access tokens. */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly tokens: Pick<TokenService, 'mint'>,
    /** Largest `metadata` and `privateMetadata`, in bytes of JSON. */
    private readonly metadataMaxBytes: number,
    /** Users' directory searches share their message searches' limit. */
    private readonly rateLimits: Pick<Limits, 'write'>,
  ) {}

  /** The user, or USER_NOT_FOUND with `message` (a bare USER_NOT_FOUND without one). */
  async get(userId: string, message?: string): Promise<User> {
    const user = await this.store.users.get(userId);
    if (!user) throw new RelayError('USER_NOT_FOUND', message);
    return user;
  }

  /** Creates or changes the user; the answer is the server API key's view. */
  async upsert(input: UserInput): Promise<ServerUser> {
    checkMetadataSize(input.metadata, this.metadataMaxBytes);
    checkMetadataSize(input.privateMetadata, this.metadataMaxBytes);
    return this.serverView(await this.store.users.upsert(input, Date.now()));
  }

  /** The server API key sees a user's private metadata; users (the user included) see only `metadata`. */
  async serverView(user: User): Promise<ServerUser> {
    return { ...user, privateMetadata: (await this.store.users.privateMetadata(user.id)) ?? {} };
  }

  /**
   * A page of the directory: app users (never contacts) whose display name, a word of it, or
   * id starts with `query`, by display name. A user's searches count against `searchesPerMinute`.
   */
  async directory(principal: Principal, query: UserDirectoryQuery): Promise<UserPage> {
    if (principal.kind === 'user') {
      const refusal = await this.rateLimits.write('search', principal.userId);
      if (refusal) throw refusal;
    }
    const after = query.cursor ? decodeDirectoryCursor(query.cursor) : null;
    const { users, next } = await this.store.users.directory((query.query ?? '').trim(), after, query.limit ?? 20);
    return { users, nextCursor: next ? Buffer.from(JSON.stringify([next.name, next.id])).toString('base64url') : null };
  }

  /** An access token for an existing user. */
  async mintToken(userId: string, ttlSeconds: number | undefined): Promise<{ token: string; expiresAt: number }> {
    const user = await this.get(userId, `User ${userId} not found; PUT /v1/users/:userId first`);
    return this.tokens.mint(user.id, { ttlSeconds });
  }
}

function decodeDirectoryCursor(text: string): DirectoryCursor {
  try {
    const [name, id] = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown[];
    // A NUL no stored name or id holds, and PostgreSQL refuses in text.
    if (typeof name === 'string' && typeof id === 'string' && !`${name}${id}`.includes('\u0000')) return { name, id };
  } catch {}
  throw new RelayError('BAD_REQUEST', 'cursor is not one this relay issued');
}
