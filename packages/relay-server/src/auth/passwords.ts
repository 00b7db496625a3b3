import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HashingPool, type HashingPoolOptions, type ScryptParams } from './hashing-pool.js';

/** scrypt cost as OWASP recommends: N=2^17, r=8, p=1 (128 MiB, ~0.3 s). */
const PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 32;

const encode = (params: ScryptParams, salt: Buffer, key: Buffer): string =>
  ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');

/**
 * Password hashes as `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later
 * without breaking old hashes. The hashing runs on a bounded pool of its own
 * ({@link HashingPool}): `hash` and `verify` reject with AUTH_BUSY when it is full.
 */
export class PasswordHasher {
  readonly #pool: HashingPool;

  constructor(options: HashingPoolOptions) {
    this.#pool = new HashingPool(options);
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    return encode(PARAMS, salt, await this.#derive(password, salt, PARAMS));
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const [scheme, n, r, p, salt, hash] = encoded.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64url');
    const key = await this.#derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
    return key.length === expected.length && timingSafeEqual(key, expected);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  #derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
    return this.#pool.derive(password.normalize('NFKC'), salt, KEY_LENGTH, params);
  }
}

/**
 * A hash to verify against when the username is unknown, so timing does not reveal it. It
 * has the current cost and a random salt and key, so verifying costs a real hash and matches
 * nothing; made without hashing, it costs nothing at start-up.
 */
let decoy: string | undefined;
export function decoyHash(): string {
  decoy ??= encode(PARAMS, randomBytes(16), randomBytes(KEY_LENGTH));
  return decoy;
}
