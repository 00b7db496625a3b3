import type { Message } from '@chat4all/protocol';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, servePage } from './browser-harness.js';
import { API_KEY, client, startRelay, userToken } from './relay.js';

interface PageApi {
  chat: {
    state(): string;
    send(conversationId: string, text: string): Promise<string>;
    outbox(): number;
    outboxRows(): Promise<number>;
  };
}

describe('in real Chromium', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let site: Awaited<ReturnType<typeof servePage>>;
  let browser: Browser;

  beforeAll(async () => {
    relay = await startRelay();
    site = await servePage(new URL('./browser/page.ts', import.meta.url));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await relay?.close();
    relay?.remove();
  });

  it('sends 3 messages written while the relay was unreachable exactly once, in order, after a reload, and empties the IndexedDB outbox', async () => {
    const token = await userToken(relay.url, 'web');
    await userToken(relay.url, 'peer');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'peer', createdBy: 'web' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const peer = client(relay.url, await userToken(relay.url, 'peer'));
    await peer.connect();
    const received: Message[] = [];
    peer.on('message', (message) => received.push(message));

    const context = await browser.newContext();
    const page = await context.newPage();
    // The relay is unreachable for the first load: every WebSocket to it is cut at once.
    let relayReachable = false;
    await page.routeWebSocket(/\/v1\/ws/, (ws) => {
      if (relayReachable) ws.connectToServer();
      else ws.close();
    });
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${token}`);
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'reconnecting');
    for (const text of ['first', 'second', 'third']) {
      const status = await page.evaluate(
        ([id, t]) => (window as unknown as PageApi).chat.send(id as string, t as string),
        [conversationId, text],
      );
      expect(status).toBe('pending');
    }
    expect(await page.evaluate(() => (window as unknown as PageApi).chat.outboxRows())).toBe(3);

    relayReachable = true;
    await page.reload();
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'connected');
    await page.waitForFunction(() => (window as unknown as PageApi).chat.outbox() === 0);
    expect(await page.evaluate(() => (window as unknown as PageApi).chat.outboxRows())).toBe(0);

    await new Promise<void>((resolve) => {
      if (received.length >= 3) return resolve();
      peer.on('message', () => received.length >= 3 && resolve());
    });
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(((await history.json()) as { messages: Message[] }).messages).toHaveLength(3);
    expect(received.map((m) => [m.seq, m.text])).toEqual([
      [1, 'first'],
      [2, 'second'],
      [3, 'third'],
    ]);
    peer.close();
    await context.close();
  });
});
