import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rest } from '../rest.js';
import { claimsOf, TokenSource } from './token-source.js';

const jwt = (claims: Record<string, unknown>) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.s`;

afterEach(() => vi.useRealTimers());

describe('TokenSource', () => {
  it('keeps a fixed token and names its user', async () => {
    const onUser = vi.fn();
    const tokens = new TokenSource({ token: jwt({ sub: 'u1' }), onUser });
    expect(await tokens.current()).toBe(jwt({ sub: 'u1' }));
    expect(onUser).toHaveBeenCalledWith('u1');
    expect(tokens.renewable).toBe(false);
  });

  it('asks the provider again 30 s before expiry, and when refreshing', async () => {
    vi.useFakeTimers({ now: 1_000_000_000 });
    const exp = 1_000_000 + 60;
    const provider = vi.fn(() => jwt({ sub: 'u1', exp }));
    const tokens = new TokenSource({ tokenProvider: provider });
    await tokens.current();
    await tokens.current();
    expect(provider).toHaveBeenCalledTimes(1);
    await tokens.current(true);
    expect(provider).toHaveBeenCalledTimes(2);
    vi.setSystemTime((exp - 29) * 1000);
    await tokens.current();
    expect(provider).toHaveBeenCalledTimes(3);
  });

  it('reads no claims from a token that is not a JWT', () => {
    expect(claimsOf('opaque')).toEqual({});
  });
});

describe('Rest', () => {
  const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
  const expired = { code: 'TOKEN_EXPIRED', message: 'expired', retryable: false };

  it('renews an expired token once and calls again', async () => {
    const provider = vi.fn().mockReturnValueOnce('t1').mockReturnValueOnce('t2');
    const fetcher = vi
      .fn<typeof fetch>()
      .mockResolvedValueOnce(answer(401, expired))
      .mockResolvedValueOnce(answer(200, { ok: 1 }));
    const rest = new Rest('http://relay/', new TokenSource({ tokenProvider: provider }), fetcher);
    expect(await rest.request('GET', '/v1/x')).toEqual({ ok: 1 });
    expect(fetcher.mock.calls.map(([url, init]) => [url, (init?.headers as Record<string, string> | undefined)?.authorization])).toEqual([
      ['http://relay/v1/x', 'Bearer t1'],
      ['http://relay/v1/x', 'Bearer t2'],
    ]);
  });

  it('does not call again with a fixed token, nor a second time', async () => {
    const fixed = new Rest('http://relay', new TokenSource({ token: 't' }), vi.fn<typeof fetch>().mockResolvedValue(answer(401, expired)));
    await expect(fixed.request('GET', '/v1/x')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    const fetcher = vi.fn<typeof fetch>().mockImplementation(async () => answer(401, expired));
    const renewing = new Rest('http://relay', new TokenSource({ tokenProvider: () => 't' }), fetcher);
    await expect(renewing.request('GET', '/v1/x')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(fetcher).toHaveBeenCalledTimes(2);
  });
});
