import type { ServerUser, User } from '@chat4all/protocol';
import type { TokenService } from '../auth/tokens.js';
import { RelayError } from '../errors.js';
import { checkMetadataSize } from '../limits/errors.js';
import type { Store, UserInput } from '../store/types.js';

/** The app's users: profiles, what the server API key sees of them, and their access tokens. */
export class UserService {
  constructor(
    private readonly store: Store,
    private readonly tokens: Pick<TokenService, 'mint'>,
    /** Largest `metadata` and `privateMetadata`, in bytes of JSON. */
    private readonly metadataMaxBytes: number,
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

  /** An access token for an existing user. */
  async mintToken(userId: string, ttlSeconds: number | undefined): Promise<{ token: string; expiresAt: number }> {
    const user = await this.get(userId, `User ${userId} not found; PUT /v1/users/:userId first`);
    return this.tokens.mint(user.id, { ttlSeconds });
  }
}
