import { randomUUID } from 'node:crypto';
import type { AuthSession, Message } from '@chat4all/protocol';
import { signedToken } from '@chat4all/relay-server/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../src/index.js';
import { API_KEY, APP_SECRET, client, privateConversation, startRelay, until, userToken } from './relay.js';

const expiredToken = (sub: string) => signedToken(APP_SECRET, sub, -60);

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

  it('renews its token over the open socket and stays connected past the first token’s expiry', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const conversationId = await privateConversation(relay.url, 'rae', 'rob');
    // Two-second tokens: the client renews halfway through each one's life, on the same socket.
    const issued: Array<{ at: number; exp: number }> = [];
    let pastFirstExpiry: () => void = () => {};
    const renewedLate = new Promise<void>((resolve) => {
      pastFirstExpiry = resolve;
    });
    const rae = client(relay.url, '', {
      token: undefined,
      tokenProvider: async () => {
        const token = await userToken(relay.url, 'rae', 2);
        const exp = (JSON.parse(atob(token.split('.')[1] ?? '')) as { exp: number }).exp * 1000;
        issued.push({ at: Date.now(), exp });
        if (issued.length > 1 && Date.now() > (issued[0]?.exp ?? 0) + 200) pastFirstExpiry();
        return token;
      },
    });
    cleanup.push(() => rae.close());
    const states: ConnectionState[] = [];
    rae.connection.subscribe(() => states.push(rae.connection.getSnapshot()));
    await rae.connect();
    await renewedLate;

    // Still the first socket, and live: a message sent now arrives over it.
    const arrived = new Promise<Message>((resolve) => rae.on('message', resolve));
    await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: randomUUID(), text: 'after the first expiry', senderId: 'rob' }),
    });
    expect((await arrived).text).toBe('after the first expiry');
    expect(states).toEqual(['connecting', 'connected']);
  });

  it('stops reconnecting and reports SESSION_REVOKED when its login is logged out', async () => {
    const relay = await startRelay();
    cleanup.push(relay.remove, relay.close);
    const register = await fetch(`${relay.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lou', password: 'password-123' }),
    });
    const session = (await register.json()) as AuthSession;
    const lou = client(relay.url, session.accessToken);
    cleanup.push(() => lou.close());
    await lou.connect();
    await fetch(`${relay.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
    await until(lou.connection, (state) => state === 'closed');
    expect(lou.connectionError).toMatchObject({ code: 'SESSION_REVOKED', retryable: false });
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
