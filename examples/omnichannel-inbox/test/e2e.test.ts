import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { startInbox } from '../inbox.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/**
 * The inbox as an agent uses it: its back end (a relay with WhatsApp, Messenger and Telegram
 * channels pointed at the platform fakes), the app built by Vite and served as static files,
 * in Chromium. Customers write in through the fakes' signed webhooks; the agent answers in the
 * app; the fakes receive the answers in their API's shape and report them delivered and read.
 */
describe('examples/omnichannel-inbox end to end in Chromium', () => {
  let inbox: Awaited<ReturnType<typeof startInbox>>;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  let siteUrl: string;
  const browser = new TestChromium();

  beforeAll(async () => {
    inbox = await startInbox({ relayPort: 0, simulatorPort: 0, statusDelayMs: 150 });
    const outDir = fileURLToPath(new URL('../../../test-results/omnichannel-inbox-build/', import.meta.url));
    await build({
      root: ROOT,
      logLevel: 'silent',
      define: { 'import.meta.env.VITE_INBOX_SIMULATOR': JSON.stringify(inbox.simulatorUrl) },
      build: { outDir, emptyOutDir: true },
    });
    site = await serveStatic(outDir);
    siteUrl = site.url;
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await inbox?.close();
  });

  const badges = (page: Page) => page.locator('.c4a-channel').evaluateAll((els) => els.map((e) => e.textContent));

  it('lists conversations from every channel with their badge; answers reach each platform and come back delivered and read', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 640 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(siteUrl);
    await page.waitForSelector('text=signed in as agent');

    // A WhatsApp customer writes (through the app's simulator), then a Telegram one (straight through the fake).
    await page.selectOption('select[aria-label=Channel]', 'whatsapp');
    await page.fill('input[aria-label="Customer message"]', 'Meu pedido não chegou');
    await page.click('text=Customer writes');
    await page.waitForSelector('[role=option]:has-text("WhatsApp · Maria Silva")');
    await inbox.simulate('telegram', 'hello from Telegram');
    await page.waitForSelector('[role=option]:has-text("Telegram · Rui")');

    await page.click('[role=option]:has-text("WhatsApp · Maria Silva")');
    await page.waitForSelector('.c4a-message-text:has-text("Meu pedido não chegou")');
    expect(await page.textContent('.peer')).toContain('WhatsApp');
    const box = page.locator('.c4a-composer textarea');
    await box.fill('Vou verificar agora mesmo');
    await box.press('Enter');
    await expect.poll(() => badges(page)).toEqual(['WhatsApp · read']);
    expect(inbox.fakes.whatsapp.calls.at(-1)).toMatchObject({
      to: '5511999990000',
      type: 'text',
      text: { body: 'Vou verificar agora mesmo' },
    });
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-whatsapp.png` });

    await page.click('[role=option]:has-text("Telegram · Rui")');
    await page.waitForSelector('.c4a-message-text:has-text("hello from Telegram")');
    await box.fill('Hi Rui!');
    await box.press('Enter');
    // Telegram reports no delivery or read for bots: sent is as far as it goes.
    await expect.poll(() => badges(page)).toEqual(['Telegram · sent']);
    expect(inbox.fakes.telegram.calls.at(-1)).toEqual({ method: 'sendMessage', body: { chat_id: '5150', text: 'Hi Rui!' } });
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-telegram.png` });
  });
});
