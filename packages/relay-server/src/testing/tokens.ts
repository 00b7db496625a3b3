import { SignJWT } from 'jose';

/**
 * An HS256 user token signed with `secret`, with the default issuer and audience (`chat4all`),
 * expiring `expiresInSeconds` from now (negative: already expired).
 */
export function signedToken(secret: string, sub: string, expiresInSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('chat4all')
    .setAudience('chat4all')
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode(secret));
}
