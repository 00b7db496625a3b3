import type { Message } from '@chat4all/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage, TestChromium } from './browser-harness.js';
import { client, privateConversation, startRelay, userToken } from './relay.js';

interface PageApi {
  chat: { state(): string; sendVideo(conversationId: string): Promise<string> };
}

describe('a video sent from real Chromium', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let site: Awaited<ReturnType<typeof servePage>>;
  const browser = new TestChromium();

  beforeAll(async () => {
    relay = await startRelay();
    site = await servePage(new URL('./browser/video-page.ts', import.meta.url));
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await relay?.close();
    relay?.remove();
  });

  it('arrives with a thumbnail the relay made from a frame the browser drew of it', async () => {
    const conversationId = await privateConversation(relay.url, 'filmmaker', 'viewer');
    const viewerToken = await userToken(relay.url, 'viewer');
    const viewer = client(relay.url, viewerToken);
    await viewer.connect();
    const arrived = new Promise<Message>((resolve) => viewer.on('message', resolve));

    const page = await (await browser.newContext()).newPage();
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${await userToken(relay.url, 'filmmaker')}`);
    await page.waitForFunction(() => (window as unknown as PageApi).chat.state() === 'connected');
    const id = await page.evaluate((c) => (window as unknown as PageApi).chat.sendVideo(c), conversationId);

    const message = await arrived;
    viewer.close();
    expect(message).toMatchObject({ id, attachment: { name: 'clip.webm', type: 'video/webm', width: 320, height: 240 } });
    expect(message.attachment?.thumbnail).toEqual({ width: 320, height: 240 });
    const thumbnail = await fetch(`${relay.url}/v1/uploads/${message.attachment?.uploadId}/thumbnail`, {
      headers: { authorization: `Bearer ${viewerToken}` },
    });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect((await thumbnail.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});
