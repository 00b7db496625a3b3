import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a link that works without a token until its expiry (a file download, a
 * data export's archive): HMAC-SHA256, base64url, of what the link is bound to (its kind, the
 * resource, the user, the expiry), with the relay's secret.
 */
export function signLink(secret: string, fields: ReadonlyArray<string | number>): string {
  return createHmac('sha256', secret).update(fields.join('\u0000')).digest('base64url');
}

/** Whether `signature` signs `fields` (whose last is `expiresAt`) and `expiresAt` has not passed. */
export function linkHolds(
  secret: string,
  fields: ReadonlyArray<string | number>,
  expiresAt: number,
  signature: string,
  now = Date.now(),
): boolean {
  const expected = Buffer.from(signLink(secret, fields));
  const given = Buffer.from(signature);
  return Number.isSafeInteger(expiresAt) && expiresAt >= now && given.length === expected.length && timingSafeEqual(given, expected);
}
