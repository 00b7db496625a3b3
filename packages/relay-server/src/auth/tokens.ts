import { timingSafeEqual, webcrypto } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { RelayError } from '../errors.js';

export type Principal = UserPrincipal | { kind: 'server' };

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  displayName: string | null;
  /** When the token stops being valid (epoch ms); a socket opened with it is closed then. */
  expiresAt?: number;
  /** The built-in login (refresh-token family) the token was minted for, from its `sid` claim. */
  sessionId?: string;
}

export interface MintOptions {
  /** @default auth.accessTokenTtlSeconds */
  ttlSeconds?: number | undefined;
  /** @default Date.now() */
  nowMs?: number;
  /** The refresh-token family, written as the `sid` claim so logging out can close this login's sockets. */
  sessionId?: string;
}

export interface TokenServiceOptions {
  appSecret: string;
  apiKey: string;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  jwks?: { url: string; issuer?: string | undefined; algorithms: string[] } | undefined;
}

const USER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
/** How many verified app-secret tokens are remembered (a client reconnecting with its token skips the HMAC). */
const VERIFIED_TOKENS = 10_000;

/**
 * Verifies every credential the relay accepts and mints its own access tokens. Algorithms
 * are pinned: HS256 with the app secret, and only the configured asymmetric algorithms
 * against the JWKS. Anything else, `alg: none` included, is UNAUTHENTICATED.
 */
export class TokenService {
  readonly #options: TokenServiceOptions;
  readonly #secret: Uint8Array;
  /** The app secret as a key, imported once. */
  #key: Promise<webcrypto.CryptoKey> | undefined;
  /** App-secret tokens verified before, until their `exp`: verifying one again would give the same payload. */
  readonly #verified = new LRUCache<string, JWTPayload>({ max: VERIFIED_TOKENS });
  readonly #apiKey: Buffer;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet> | null;

  constructor(options: TokenServiceOptions) {
    this.#options = options;
    this.#secret = new TextEncoder().encode(options.appSecret);
    this.#apiKey = Buffer.from(options.apiKey);
    this.#jwks = options.jwks ? createRemoteJWKSet(new URL(options.jwks.url)) : null;
  }

  /** Reads a bearer credential: the server API key, or a user JWT. */
  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new RelayError('UNAUTHENTICATED', 'Missing credentials: send Authorization: Bearer <token>');
    if (!credential.includes('.')) {
      if (this.#isApiKey(credential)) return { kind: 'server' };
      throw new RelayError('UNAUTHENTICATED', 'Invalid API key');
    }
    const payload = await this.#verify(credential);
    const sub = payload.sub;
    if (typeof sub !== 'string' || !USER_ID.test(sub)) {
      throw new RelayError('UNAUTHENTICATED', 'Token subject (sub) is missing or not a valid user id');
    }
    const name = typeof payload.name === 'string' ? payload.name : null;
    const principal: UserPrincipal = { kind: 'user', userId: sub, displayName: name };
    // `exp` is a required claim, checked by jose.
    if (typeof payload.exp === 'number') principal.expiresAt = payload.exp * 1000;
    if (typeof payload.sid === 'string' && payload.sid.length > 0 && payload.sid.length <= 128) principal.sessionId = payload.sid;
    return principal;
  }

  /** Mints an HS256 access token for a user, as the built-in auth and the server API do. */
  async mint(userId: string, options: MintOptions = {}): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor((options.nowMs ?? Date.now()) / 1000);
    const exp = iat + (options.ttlSeconds ?? this.#options.accessTokenTtlSeconds);
    const token = await new SignJWT(options.sessionId ? { sid: options.sessionId } : {})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(this.#options.issuer)
      .setAudience(this.#options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.#hmacKey());
    return { token, expiresAt: exp * 1000 };
  }

  #hmacKey(): Promise<webcrypto.CryptoKey> {
    this.#key ??= webcrypto.subtle.importKey('raw', this.#secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return this.#key;
  }

  #isApiKey(candidate: string): boolean {
    const given = Buffer.from(candidate);
    return given.length === this.#apiKey.length && timingSafeEqual(given, this.#apiKey);
  }

  async #verify(token: string): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new RelayError('UNAUTHENTICATED', 'Token is not a well-formed JWT');
    }
    try {
      if (alg === 'HS256') {
        const known = this.#verified.get(token);
        // `exp` is the one claim whose check changes with time; expired, the token is verified again and refused.
        if (known && (known.exp as number) * 1000 > Date.now()) return known;
        const { payload } = await jwtVerify(token, await this.#hmacKey(), {
          algorithms: ['HS256'],
          issuer: this.#options.issuer,
          audience: this.#options.audience,
          requiredClaims: ['exp', 'sub'],
        });
        const ttl = (payload.exp as number) * 1000 - Date.now();
        if (ttl > 0) this.#verified.set(token, payload, { ttl });
        return payload;
      }
      const jwks = this.#options.jwks;
      if (this.#jwks && jwks && alg !== undefined && jwks.algorithms.includes(alg)) {
        const { payload } = await jwtVerify(token, this.#jwks, {
          algorithms: jwks.algorithms,
          issuer: jwks.issuer ?? this.#options.issuer,
          audience: this.#options.audience,
          requiredClaims: ['exp', 'sub'],
        });
        return payload;
      }
    } catch (error) {
      throw fromJoseError(error);
    }
    throw new RelayError('UNAUTHENTICATED', `Token algorithm ${JSON.stringify(alg ?? null)} is not accepted`);
  }
}

function fromJoseError(error: unknown): RelayError {
  if (error instanceof joseErrors.JWTExpired) return new RelayError('TOKEN_EXPIRED', 'Access token has expired', { cause: error });
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new RelayError('UNAUTHENTICATED', `Token claim "${error.claim}" is invalid: ${error.reason}`, { cause: error });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new RelayError('UNAUTHENTICATED', 'Token signature is invalid', { cause: error });
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return new RelayError('UNAUTHENTICATED', 'No key in the JWKS matches the token', { cause: error });
  }
  if (error instanceof joseErrors.JOSEError) {
    return new RelayError('UNAUTHENTICATED', `Token rejected: ${error.message}`, { cause: error });
  }
  return new RelayError('INTERNAL', 'Token verification failed', { cause: error });
}
