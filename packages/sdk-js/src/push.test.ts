import { describe, expect, it } from 'vitest';
import { TokenSource } from './auth/token-source.js';
import { pushOf } from './push.js';
import { Rest } from './rest.js';

describe('pushOf', () => {
  it('posts a native app’s token as given, for FCM and for APNs with or without its environment', async () => {
    const posted: Array<{ method: string; url: string; body: unknown }> = [];
    const rest = new Rest('http://relay/', new TokenSource({ token: 'user-token' }), async (url, init) => {
      posted.push({ method: init?.method ?? 'GET', url: String(url), body: JSON.parse(String(init?.body)) });
      return new Response(JSON.stringify({ id: `d${posted.length}` }), { status: 201 });
    });
    const push = pushOf(rest);
    const bodies = [
      { kind: 'fcm', token: 'fcm-registration-token' },
      { kind: 'apns', token: 'a1b2c3', environment: 'sandbox' },
      { kind: 'apns', token: 'd4e5f6' },
    ] as const;
    for (const [i, body] of bodies.entries()) expect(await push.register(body)).toEqual({ id: `d${i + 1}` });
    expect(posted).toEqual(bodies.map((body) => ({ method: 'POST', url: 'http://relay/v1/me/devices', body })));
  });
});
