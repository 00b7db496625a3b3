import type { AuthResult, ClientFrame } from '@chat4all/protocol';
import type { RelayContext } from '../context.js';
import { RelayError } from '../errors.js';
import type { Connection } from './connection.js';

/**
 * The `auth` frame: a fresh token for the same user replaces the socket's credentials, so it
 * stays open past the old token's expiry. A refused token (invalid, expired, another user's,
 * a revoked login's) leaves the socket as it was. One renewal at a time per socket, so a
 * client cannot queue signature checks faster than they finish.
 */
export async function renewCredentials(
  ctx: RelayContext,
  connection: Connection,
  frame: Extract<ClientFrame, { type: 'auth' }>,
): Promise<AuthResult> {
  if (!connection.beginRenewal()) {
    throw new RelayError('RATE_LIMITED', 'A token renewal is already in progress on this socket', { details: { retryAfterMs: 1000 } });
  }
  try {
    const principal = await ctx.tokens.authenticate(frame.token);
    if (principal.kind !== 'user') throw new RelayError('FORBIDDEN', 'The socket needs a user token, not the server API key');
    if (principal.userId !== connection.userId) {
      throw new RelayError('FORBIDDEN', 'The new token is for another user; open a new socket to switch users');
    }
    // From here a revocation of the new token's login closes the socket; one that came before is caught below.
    connection.renewingTo(principal.sessionId);
    if (principal.sessionId !== undefined && (await ctx.store.refreshFamilyRevoked(principal.sessionId))) {
      throw new RelayError('SESSION_REVOKED', 'The login this token belongs to was ended; sign in again');
    }
    connection.authorize({ expiresAt: principal.expiresAt, sessionId: principal.sessionId });
    return { expiresAt: principal.expiresAt === undefined ? null : new Date(principal.expiresAt).toISOString() };
  } finally {
    connection.endRenewal();
  }
}
