import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, APP_SECRET, client, startRelay, userToken } from './relay.js';

const expiredToken = (sub: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer('chat4all')
    .setAudience('chat4all')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(APP_SECRET));

describe('tokens', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('asks the token provider again when the relay says the token expired, and keeps the outbox', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    await userToken(relay.url, 'tia');
    const tokens = [await expiredToken('tia'), await userToken(relay.url, 'tia')];
    let calls = 0;
    const tia = client(relay.url, '', { token: undefined, tokenProvider: () => tokens[Math.min(calls++, 1)] as string });
    cleanup.push(() => tia.close());
    await userToken(relay.url, 'tom');
    const conversation = await (
      await fetch(`${relay.url}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'private', userId: 'tom', createdBy: 'tia' }),
      })
    ).json();
    const conversationId = (conversation as { id: string }).id;
    await tia.send(conversationId, 'written before the refresh');
    await tia.connect();
    expect(calls).toBe(2);
    expect(tia.connection.getSnapshot()).toBe('connected');
    await new Promise<void>((resolve) => {
      if (tia.outbox.getSnapshot().length === 0) return resolve();
      const stop = tia.outbox.subscribe(() => {
        if (tia.outbox.getSnapshot().length > 0) return;
        stop();
        resolve();
      });
    });
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(((await history.json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual([
      'written before the refresh',
    ]);
  });

  it('stops retrying when the relay refuses the token twice, and says why', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    let calls = 0;
    const bad = client(relay.url, '', {
      token: undefined,
      tokenProvider: () => {
        calls++;
        return 'not.a.token';
      },
    });
    cleanup.push(() => bad.close());
    await expect(bad.connect()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(bad.connection.getSnapshot()).toBe('closed');
    expect(calls).toBe(2);
  });
});
