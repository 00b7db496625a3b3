import type { AuthResult, ClientFrame } from '@chat4all/protocol';
import { RelayError } from '../errors.js';
import { rateLimited } from '../limits/errors.js';
import type { Connection } from './connection.js';
import type { GatewayContext } from './gateway.js';

/** SESSION_REVOKED when the built-in login a token names (`sid`) was ended; tokens without one pass. */
export async function assertLoginLive(ctx: Pick<GatewayContext, 'sessions'>, sessionId: string | undefined): Promise<void> {
  if (sessionId !== undefined && (await ctx.sessions.revoked(sessionId)))
    throw new RelayError('SESSION_REVOKED', 'The login this token belongs to was ended; sign in again');
}

/**
 * The `auth` frame: a fresh token for the same user replaces the socket's credentials, so it
 * stays open past the old token's expiry. A refused token (invalid, expired, another user's,
 * a revoked login's) leaves the socket as it was. One renewal at a time per socket, so a
 * client cannot queue signature checks faster than they finish, and a few per user per minute.
 */
export async function renewCredentials(
  ctx: Pick<GatewayContext, 'limits' | 'tokens' | 'sessions'>,
  connection: Connection,
  frame: Extract<ClientFrame, { type: 'auth' }>,
): Promise<AuthResult> {
  if (!connection.begin('renewal')) throw rateLimited(1000, 'A token renewal is already in progress on this socket');
  try {
    const refusal = await ctx.limits.write('renewal', connection.userId);
    if (refusal) throw refusal;
    const principal = await ctx.tokens.authenticate(frame.token);
    if (principal.kind !== 'user') throw new RelayError('FORBIDDEN', 'The socket needs a user token, not the server API key');
    if (principal.userId !== connection.userId) {
      throw new RelayError('FORBIDDEN', 'The new token is for another user; open a new socket to switch users');
    }
    // From here a revocation of the new token's login closes the socket; one that came before is caught below.
    connection.renewingTo(principal.sessionId);
    await assertLoginLive(ctx, principal.sessionId);
    connection.authorize({ expiresAt: principal.expiresAt, sessionId: principal.sessionId });
    return { expiresAt: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString() };
  } finally {
    connection.end('renewal');
  }
}
