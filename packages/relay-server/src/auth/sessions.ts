import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthSession, LoginBody, RegisterBody, User } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Bus } from '../bus/types.js';
import { RelayError } from '../errors.js';
import { iso } from '../shared/time.js';
import type { RefreshFamily, UsersRepository } from '../store/types.js';
import { decoyHash, type PasswordHasher } from './passwords.js';
import type { TokenService } from './tokens.js';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/**
 * Built-in accounts for apps without their own auth: scrypt passwords, short-lived access
 * tokens and opaque refresh tokens that rotate on every use. Presenting a refresh token a
 * second time means it leaked: the whole family (every token descended from that login) is
 * revoked. Access tokens carry their family as the `sid` claim; when a family is revoked
 * (logout or reuse), the bus tells every node to close the sockets opened with its tokens.
 * Passwords are hashed on the bounded pool of `passwords`: register and login reject with
 * AUTH_BUSY when it is full.
 */
export class SessionService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly refreshTtlSeconds: number,
    private readonly passwords: PasswordHasher,
    /** Where every node hears of a revoked login; without it only the store knows (its sockets close at their token's expiry). */
    private readonly revocations?: { bus: Pick<Bus, 'publish'>; log: Logger },
  ) {}

  /** Whether the built-in login `sessionId` names was ended. */
  revoked(sessionId: string): Promise<boolean> {
    return this.users.refreshFamilyRevoked(sessionId);
  }

  async register(body: RegisterBody): Promise<AuthSession> {
    const passwordHash = await this.passwords.hash(body.password);
    const user = await this.users.createAccount(
      { userId: `u_${randomUUID()}`, username: body.username, passwordHash, displayName: body.displayName ?? body.username },
      Date.now(),
    );
    if (!user) throw new RelayError('USERNAME_TAKEN', `Username "${body.username}" is taken`);
    return this.#startFamily(user);
  }

  async login(body: LoginBody): Promise<AuthSession> {
    const account = await this.users.getAccount(body.username);
    const ok = await this.passwords.verify(body.password, account?.passwordHash ?? decoyHash());
    const user = ok && account ? await this.users.get(account.userId) : null;
    if (!user) throw new RelayError('INVALID_CREDENTIALS', 'Username or password is wrong');
    return this.#startFamily(user);
  }

  async refresh(refreshToken: string): Promise<AuthSession> {
    const now = Date.now();
    const next = randomBytes(32).toString('base64url');
    const expiresAt = now + this.refreshTtlSeconds * 1000;
    const rotation = await this.users.rotateRefreshToken(hashToken(refreshToken), { tokenHash: hashToken(next), expiresAt }, now);
    if (!rotation.ok) {
      if (rotation.reason === 'invalid') throw new RelayError('REFRESH_TOKEN_INVALID', 'Refresh token is unknown, expired or revoked');
      await this.#revoked(rotation);
      throw new RelayError('REFRESH_TOKEN_REUSED', 'Refresh token was already used; every session of this login is revoked');
    }
    const user = await this.users.get(rotation.userId);
    if (!user) throw new RelayError('REFRESH_TOKEN_INVALID', 'The user of this refresh token no longer exists');
    return this.#session(user, rotation.familyId, next, expiresAt);
  }

  /** Ends the login: its refresh tokens stop working, and every node is told to close the sockets opened with its tokens. */
  async logout(refreshToken: string): Promise<void> {
    const family = await this.users.revokeRefreshFamily(hashToken(refreshToken));
    if (family) await this.#revoked(family);
  }

  /**
   * A revoked login's sockets close on every node, this one included (the bus delivers to its
   * publisher too). A failed publish does not fail the logout: the login is revoked in the
   * store, so its sockets still cannot renew, and close at their token's expiry.
   */
  async #revoked({ userId, familyId }: RefreshFamily): Promise<void> {
    if (!this.revocations) return;
    const { bus, log } = this.revocations;
    await bus
      .publish({ kind: 'session', userId, sessionId: familyId })
      .catch((err: unknown) => log.error({ err, userId }, 'could not tell the nodes a login ended; its sockets close at expiry'));
  }

  async #startFamily(user: User): Promise<AuthSession> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + this.refreshTtlSeconds * 1000;
    const familyId = randomUUID();
    await this.users.insertRefreshToken({ tokenHash: hashToken(token), familyId, userId: user.id, expiresAt });
    return this.#session(user, familyId, token, expiresAt);
  }

  async #session(user: User, familyId: string, refreshToken: string, refreshExpiresAt: number): Promise<AuthSession> {
    const access = await this.tokens.mint(user.id, { sessionId: familyId });
    return {
      user,
      accessToken: access.token,
      accessTokenExpiresAt: iso(access.expiresAt),
      refreshToken,
      refreshTokenExpiresAt: iso(refreshExpiresAt),
    };
  }
}
