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

  it('shows places, button choices, photos, reactions both ways, the service window and a held channel that resumes', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(siteUrl);
    await page.waitForSelector('text=signed in as agent');
    await inbox.simulate('whatsapp', 'Oi de novo');
    await page.click('[role=option]:has-text("WhatsApp · Maria Silva")');
    await page.waitForSelector('.c4a-message-text:has-text("Oi de novo")');
    await page.waitForSelector('.window[data-state=open]:has-text("window open until")');

    await inbox.simulate('whatsapp', '', 'location');
    await page.waitForSelector('a.content.location:has-text("Av. Paulista — São Paulo")');
    await inbox.simulate('whatsapp', 'Rastrear pedido', 'choice');
    await page.waitForSelector('.content.choice:has-text("chose “Rastrear pedido”")');
    await inbox.simulate('whatsapp', 'foto do pacote', 'photo');
    await page.waitForSelector('.c4a-message-file img');

    // The agent reacts to the customer's photo: a WhatsApp reaction message to its wamid.
    const photoRow = page.locator('.c4a-message', { hasText: 'foto do pacote' });
    await photoRow.locator('button.c4a-reaction', { hasText: '🙏' }).click();
    await photoRow.locator('button.c4a-reaction[aria-pressed=true]', { hasText: '🙏 1' }).waitFor();
    await expect.poll(() => inbox.fakes.whatsapp.reactions.at(-1)?.emoji).toBe('🙏');

    // The agent answers; the customer reacts to the answer on WhatsApp.
    const box = page.locator('.c4a-composer textarea');
    await box.fill('Já localizei, chega amanhã');
    await box.press('Enter');
    await expect.poll(() => badges(page).then((all) => all.at(-1))).toBe('WhatsApp · read');
    await inbox.simulate('whatsapp', '❤️', 'reaction');
    await page.locator('.c4a-message', { hasText: 'Já localizei' }).locator('button.c4a-reaction', { hasText: '❤️ 1' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-rich.png` });

    // The token expires: the answer waits, the channel shows held; fixed and resumed, it goes once.
    await page.click('text=Expire WhatsApp token');
    await box.fill('Mais alguma coisa?');
    await box.press('Enter');
    await page.waitForSelector('.health li[data-status=held]:has-text("held: UNAUTHORIZED")');
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-held.png` });
    await page.click('text=Fix WhatsApp token');
    await page.click('.health li[data-status=held] button:has-text("Resume")');
    await page.waitForSelector('.health li[data-status=active]:has-text("WhatsApp")');
    await expect.poll(() => badges(page).then((all) => all.at(-1))).toBe('WhatsApp · read');
    // Refused at the door while the token was bad (the fake keeps no call it did not authorize), then sent once.
    const answers = inbox.fakes.whatsapp.calls.filter((c) => (c.text as { body?: string } | undefined)?.body === 'Mais alguma coisa?');
    expect(answers).toHaveLength(1);
  });

  it('carries one conversation across WhatsApp and Instagram: each customer’s message reaches the other, with statuses', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(siteUrl);
    await page.waitForSelector('text=signed in as agent');
    await inbox.simulate('instagram', 'Hi, I am the courier');
    await page.waitForSelector('[role=option]:has-text("Instagram")');
    await page.click('text=Bring the Instagram customer into the WhatsApp conversation');
    await page.waitForSelector('text=one conversation across WhatsApp and Instagram');

    await inbox.simulate('whatsapp', 'Quando chega?');
    await page.click('[role=option]:has-text("WhatsApp · Maria Silva")');
    const question = page.locator('.c4a-message', { hasText: 'Quando chega?' });
    // Maria's message goes to the courier on Instagram, with its status there.
    await question.locator('.c4a-channel[data-channel=instagram][data-status=read]').waitFor();
    expect(inbox.fakes.instagram.calls.at(-1)).toMatchObject({ message: { text: 'Maria Silva: Quando chega?' } });
    // The courier answers on Instagram: it lands in the same conversation and reaches Maria on WhatsApp.
    await inbox.simulate('instagram', 'Amanhã de manhã');
    const answer = page.locator('.c4a-message', { hasText: 'Amanhã de manhã' });
    expect(await answer.locator('.c4a-message-sender').textContent()).toBe('Instagram customer');
    await answer.locator('.c4a-channel[data-channel=whatsapp][data-status=read]').waitFor();
    expect(inbox.fakes.whatsapp.calls.at(-1)).toMatchObject({ to: '5511999990000', text: { body: 'Instagram contact: Amanhã de manhã' } });
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-across-channels.png` });
  });
});
