import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenService } from './tokens.js';

const options = {
  appSecret: 'an-app-secret-of-at-least-32-characters',
  apiKey: 'server-key',
  issuer: 'chat4all',
  audience: 'chat4all',
  accessTokenTtlSeconds: 60,
};

describe('TokenService', () => {
  afterEach(() => vi.useRealTimers());

  it('accepts a token it verified before until its exp, then refuses it as expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = new TokenService(options);
    const { token } = await tokens.mint('ana');
    expect(await tokens.authenticate(token)).toMatchObject({ kind: 'user', userId: 'ana' });
    expect(await tokens.authenticate(token)).toMatchObject({ kind: 'user', userId: 'ana' });
    vi.setSystemTime(Date.now() + 61_000);
    await expect(tokens.authenticate(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses a token whose signature was changed, and one signed with another secret, after accepting the genuine one', async () => {
    const tokens = new TokenService(options);
    const { token } = await tokens.mint('ana');
    await tokens.authenticate(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    await expect(tokens.authenticate(`${header}.${payload}.${flipped}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const { token: foreign } = await new TokenService({ ...options, appSecret: 'another-secret-of-at-least-32-characters' }).mint('ana');
    await expect(tokens.authenticate(foreign)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
