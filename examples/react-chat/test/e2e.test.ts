import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRelay, type Relay } from '@chat4all/relay-server';
import type { Page, WebSocketRoute } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { register, startChat } from './app.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/**
 * The example as a user gets it: built by Vite from the published package surfaces, served
 * as static files, used by two people in two browser contexts against a real relay.
 */
describe('examples/react-chat end to end in Chromium', () => {
  let relay: Relay;
  let relayUrl: string;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let siteUrl: string;
  const browser = new TestChromium();

  beforeAll(async () => {
    const dataDir = fileURLToPath(new URL('../../../test-results/react-chat-relay/', import.meta.url));
    relay = await createRelay({ port: 0, dataDir, logLevel: 'silent', store: { sqlite: { path: ':memory:' } } });
    relayUrl = await relay.listen();
    const outDir = fileURLToPath(new URL('../../../test-results/react-chat-build/', import.meta.url));
    await build({
      root: ROOT,
      logLevel: 'silent',
      define: { 'import.meta.env.VITE_CHAT4ALL_URL': JSON.stringify(relayUrl) },
      build: { outDir, emptyOutDir: true },
    });
    site = await serveStatic(outDir);
    siteUrl = site.url;
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await relay?.close();
  });

  const statuses = (page: Page) =>
    page.locator('.c4a-message[data-own] .c4a-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  const texts = (page: Page) => page.locator('.c4a-message-text').evaluateAll((els) => els.map((e) => e.textContent));

  it('delivers while the other is away, shows delivered then read, and sends 3 messages written offline exactly once after a reload', async () => {
    const anaContext = await browser.newContext({ viewport: { width: 900, height: 560 } });
    const bobContext = await browser.newContext({ viewport: { width: 900, height: 560 } });
    const ana = await anaContext.newPage();
    ana.setDefaultTimeout(10_000);
    // Ana's network to the relay, which the test cuts and restores.
    let anaOnline = true;
    const anaSockets: WebSocketRoute[] = [];
    await ana.routeWebSocket(/\/v1\/ws/, (ws) => {
      if (!anaOnline) return ws.close();
      anaSockets.push(ws);
      ws.connectToServer();
    });
    let bob = await bobContext.newPage();
    await register(ana, siteUrl, 'ana-e2e', 'Ana E2E');
    await register(bob, siteUrl, 'bob-e2e', 'Bob E2E');
    await bob.close();

    // Bob is away: Ana finds him by name and writes; her messages are stored and stay "sent".
    await startChat(ana, 'Bob E2E');
    const box = ana.getByRole('textbox', { name: 'Message' });
    for (const text of ['one', 'two']) {
      await box.fill(text);
      await box.press('Enter');
    }
    await expect.poll(() => statuses(ana)).toEqual(['sent', 'sent']);

    // Bob comes back: he gets both, in order; Ana sees them delivered, then read once he opens the chat.
    bob = await bobContext.newPage();
    bob.setDefaultTimeout(10_000);
    await bob.goto(siteUrl);
    await bob.waitForSelector('.c4a-unread');
    await expect.poll(() => statuses(ana)).toEqual(['delivered', 'delivered']);
    await bob.click('[role=option]');
    await expect.poll(() => texts(bob)).toEqual(['one', 'two']);
    await expect.poll(() => statuses(ana)).toEqual(['read', 'read']);
    await ana.screenshot({ path: `${SCREENSHOTS}react-chat-ana-read.png` });

    // Ana goes offline, writes 3, reloads, and comes back: Bob gets exactly those 3.
    anaOnline = false;
    for (const ws of anaSockets.splice(0)) await ws.close();
    await ana.waitForSelector('.c4a-connection');
    for (const text of ['offline 1', 'offline 2', 'offline 3']) {
      await box.fill(text);
      await box.press('Enter');
    }
    await expect.poll(() => statuses(ana)).toEqual(['read', 'read', 'pending', 'pending', 'pending']);
    await ana.reload();
    // Offline after the reload: the stored history is not loaded yet, the 3 are (from IndexedDB).
    await expect.poll(() => statuses(ana)).toEqual(['pending', 'pending', 'pending']);
    await ana.screenshot({ path: `${SCREENSHOTS}react-chat-ana-offline.png` });
    anaOnline = true;
    await anaContext.setOffline(true);
    await anaContext.setOffline(false);
    await expect.poll(() => texts(bob), { timeout: 10_000 }).toEqual(['one', 'two', 'offline 1', 'offline 2', 'offline 3']);
    await expect.poll(() => statuses(ana), { timeout: 10_000 }).toEqual(['read', 'read', 'read', 'read', 'read']);
    await bob.screenshot({ path: `${SCREENSHOTS}react-chat-bob.png` });
    await ana.screenshot({ path: `${SCREENSHOTS}react-chat-ana-back.png` });

    // Exactly once each, from the relay's own record.
    const conversations = await ana.evaluate(async (url) => {
      const session = JSON.parse(localStorage.getItem('chat4all-example-session') ?? '{}') as { accessToken: string };
      const list = (await (
        await fetch(`${url}/v1/conversations`, { headers: { authorization: `Bearer ${session.accessToken}` } })
      ).json()) as {
        conversations: Array<{ id: string; lastSeq: number }>;
      };
      return list.conversations;
    }, relayUrl);
    expect(conversations.map((c) => c.lastSeq)).toEqual([5]);
  });

  it('replies quoting a message and reacts from the message’s own actions; the other sees both', async () => {
    const ana = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext()).newPage();
    ana.setDefaultTimeout(10_000);
    bob.setDefaultTimeout(10_000);
    await register(ana, siteUrl, 'ana-quotes', 'Ana Quotes');
    await register(bob, siteUrl, 'bob-quotes', 'Bob Quotes');
    await startChat(ana, 'Bob Quotes');
    const anaBox = ana.getByRole('textbox', { name: 'Message' });
    await anaBox.fill('Lunch at noon?');
    await anaBox.press('Enter');
    await bob.getByRole('option', { name: /Ana Quotes/ }).click();
    const question = bob.locator('.c4a-message').filter({ has: bob.locator('.c4a-message-text', { hasText: /^Lunch at noon\?$/ }) });
    await question.hover();
    await question.getByRole('button', { name: 'Reply', exact: true }).click();
    await expect.poll(() => bob.locator('.c4a-reply-bar').textContent()).toContain('Replying to Ana Quotes: Lunch at noon?');
    const bobBox = bob.getByRole('textbox', { name: 'Message' });
    await bobBox.fill('Yes, see you there');
    await bobBox.press('Enter');
    expect(await bob.locator('.c4a-reply-bar').count()).toBe(0);
    // Ana sees the answer quoting her question, and Bob's 👍 on it.
    const answer = ana.locator('.c4a-message', { hasText: 'Yes, see you there' });
    await expect.poll(() => answer.locator('.c4a-quote').textContent()).toBe('Ana QuotesLunch at noon?');
    // A screen reader hears the new message, said once, and not the buttons of its row.
    const arrivals = ana.getByRole('log').locator('[aria-live="polite"]');
    expect(await arrivals.textContent()).toBe('Bob Quotes: Yes, see you there');
    expect(await ana.getByRole('log').getAttribute('aria-live')).toBe('off');
    await question.hover();
    await question.getByRole('button', { name: 'React with 👍' }).click();
    const asked = ana.locator('.c4a-message').filter({ has: ana.locator('.c4a-message-text', { hasText: /^Lunch at noon\?$/ }) });
    const reaction = asked.getByRole('button', { name: '👍 1' });
    await reaction.waitFor();
    expect(await question.getByRole('button', { name: 'React with 👍' }).getAttribute('aria-pressed')).toBe('true');

    // Bob finds Ana's message by a word it begins with, the match marked, and opens its conversation from there.
    await bob.getByLabel('Search conversations and messages').fill('noo');
    const found = bob.getByRole('region', { name: 'Messages found' });
    const hit = found.getByRole('button', { name: /Ana Quotes/ });
    expect(await hit.locator('mark').textContent()).toBe('noon');
    await hit.click();
    await bob.getByRole('heading', { name: 'Ana Quotes', level: 2 }).waitFor();
  });

  it('opens New chat as a dialog with Person and Group tabs by keyboard, and gives focus back to its button when it closes', async () => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await register(page, siteUrl, 'kim-keys', 'Kim Keys');
    const opener = page.getByRole('button', { name: 'New chat' }).first();
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByRole('combobox', { name: 'Search people' }).waitFor();
    // The tabs: the selected one is the one Tab reaches; arrows move between them; the panel is labelled by the selected tab.
    const person = dialog.getByRole('tab', { name: 'Person' });
    await person.focus();
    await page.keyboard.press('ArrowRight');
    const group = dialog.getByRole('tab', { name: 'Group' });
    await expect.poll(() => group.getAttribute('aria-selected')).toBe('true');
    expect(await group.evaluate((tab) => tab === document.activeElement)).toBe(true);
    expect(await person.getAttribute('tabindex')).toBe('-1');
    await dialog.getByRole('tabpanel', { name: 'Group' }).getByLabel('Group name').waitFor();
    // Escape closes it, and the keyboard is back where it was.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => opener.evaluate((button) => button === document.activeElement)).toBe(true);
    await page.context().close();
  });

  it('sends a picked image from the composer: the sender sees it upload, the other sees it inline with its name and size', async () => {
    // A 2×2 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDK+mmyQAAAABJRU5ErkJggg==',
      'base64',
    );
    const ana = await (await browser.newContext()).newPage();
    const bob = await (await browser.newContext()).newPage();
    ana.setDefaultTimeout(10_000);
    bob.setDefaultTimeout(10_000);
    await register(ana, siteUrl, 'ana-files', 'Ana Files');
    await register(bob, siteUrl, 'bob-files', 'Bob Files');
    await startChat(ana, 'Bob Files');
    await ana.setInputFiles('input[aria-label="Attach a file"]', { name: 'dot.png', mimeType: 'image/png', buffer: png });

    await expect.poll(() => ana.locator('.c4a-message-file a[download]').first().textContent()).toBe(`dot.png (${png.length} B)`);
    await bob.click('[role=option]');
    const link = bob.locator('.c4a-message-file a[download]').first();
    await expect.poll(() => link.textContent()).toBe(`dot.png (${png.length} B)`);
    const image = bob.locator('.c4a-message-file img').first();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2);
    await bob.screenshot({ path: `${SCREENSHOTS}react-chat-bob-file.png` });
  });
});
