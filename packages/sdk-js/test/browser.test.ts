import { createHash, randomBytes } from 'node:crypto';
import type { Message } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage, TestChromium } from './browser-harness.js';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

interface PageApi {
  chat: {
    fileProgress(): number | null;
    progressLog(): number[];
    state(): string;
    send(conversationId: string, text: string): Promise<string>;
    outbox(): number;
    outboxRows(): Promise<number>;
    drained(): Promise<void>;
    ids(): string[];
    queued(): string[];
    edit(conversationId: string, messageId: string, text: string): void;
    react(conversationId: string, messageId: string, key: string): void;
    delete(conversationId: string, messageId: string): void;
  };
}

describe('in real Chromium', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let site: Awaited<ReturnType<typeof servePage>>;
  const browser = new TestChromium();

  beforeAll(async () => {
    relay = await startRelay();
    site = await servePage(new URL('./browser/page.ts', import.meta.url));
  }, 60_000);

  afterAll(async () => {
    await browser.close();
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
    await page.evaluate(() => (window as unknown as PageApi).chat.drained());

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

  it('keeps edits, reactions and deletes made while the relay was unreachable in the IndexedDB outbox, and sends them in order after a reload', async () => {
    const token = await userToken(relay.url, 'web-edits');
    await userToken(relay.url, 'peer-edits');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'peer-edits', createdBy: 'web-edits' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const context = await browser.newContext();
    const page = await context.newPage();
    let relayReachable = false;
    await page.routeWebSocket(/\/v1\/ws/, (ws) => {
      if (relayReachable) ws.connectToServer();
      else ws.close();
    });
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${token}`);
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'reconnecting');
    for (const text of ['first', 'second', 'third']) {
      await page.evaluate(([id, t]) => (window as unknown as PageApi).chat.send(id as string, t as string), [conversationId, text]);
    }
    const [first, second, third] = await page.evaluate(() => (window as unknown as PageApi).chat.ids());
    await page.evaluate(
      ([c, f, s, t]) => {
        const { chat } = window as unknown as PageApi;
        chat.edit(c as string, f as string, 'first, edited');
        chat.react(c as string, s as string, '👍');
        chat.react(c as string, t as string, '🎉');
        chat.delete(c as string, t as string);
      },
      [conversationId, first, second, third],
    );
    // The third message and its reaction are dropped unsent; the edit and the reaction wait behind their messages. The outbox also holds
    // 4 entries on the way there (3 sends and the edit), so the wait is for these 4.
    await page.waitForFunction(
      (expected) => JSON.stringify((window as unknown as PageApi).chat.queued()) === JSON.stringify(expected),
      [`send ${first}`, `send ${second}`, `message.edit ${first}`, `reaction.add ${second}`],
    );
    expect(await page.evaluate(() => (window as unknown as PageApi).chat.outboxRows())).toBe(4);

    relayReachable = true;
    await page.reload();
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'connected');
    await page.evaluate(() => (window as unknown as PageApi).chat.drained());
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const messages = ((await history.json()) as { messages: Message[] }).messages;
    expect(messages.map((m) => [m.seq, m.id, m.text, m.editedAt !== null])).toEqual([
      [1, first, 'first, edited', true],
      [2, second, 'second', false],
    ]);
    expect(messages[1]?.reactions).toEqual([{ key: '👍', count: 1, userIds: ['web-edits'] }]);
    await context.close();
  });

  it('sends a picked file: reloaded at 40 % of its upload, the page resumes it from where it stopped and the message arrives once', async () => {
    const token = await userToken(relay.url, 'uploader');
    await userToken(relay.url, 'viewer');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'viewer', createdBy: 'uploader' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const peer = client(relay.url, await userToken(relay.url, 'viewer'));
    await peer.connect();
    const bytes = randomBytes(12 * 1024 * 1024);

    const context = await browser.newContext();
    const page = await context.newPage();
    // Each 1 MiB request takes a little while, as on a real network, so the test can reload midway.
    await page.route(/\/v1\/uploads/, async (route) => {
      if (route.request().method() === 'PATCH') await new Promise((resolve) => setTimeout(resolve, 100));
      await route.continue();
    });
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${token}&conversation=${conversationId}`);
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'connected');
    await page.setInputFiles('#file', { name: 'scan.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction(() => ((window as unknown as PageApi).chat.fileProgress() ?? 0) >= 0.4);

    await page.reload();
    await page.waitForFunction(() => (window as unknown as PageApi).chat.progressLog().length > 0);
    await page.waitForFunction(() => (window as unknown as PageApi).chat.outbox() === 0, undefined, { timeout: 20_000 });
    // After the reload the upload went on from the relay's offset, not from the first byte
    // (0 is the count before the first report).
    const log = (await page.evaluate(() => (window as unknown as PageApi).chat.progressLog())).filter((sent) => sent > 0);
    expect(log.length).toBeGreaterThan(0);
    expect(Math.min(...log)).toBeGreaterThanOrEqual(0.3 * bytes.length);

    const message = await until(peer.messages(conversationId), (messages) => messages.length > 0);
    const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const stored = ((await history.json()) as { messages: Message[] }).messages;
    expect(stored).toHaveLength(1);
    expect(message[0]?.attachment).toMatchObject({
      name: 'scan.bin',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const download = await fetch(`${relay.url}/v1/uploads/${message[0]?.attachment?.uploadId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    peer.close();
    await context.close();
  }, 60_000);
});
