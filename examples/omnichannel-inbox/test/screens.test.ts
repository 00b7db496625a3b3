import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ContactPage } from '@chat4all/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { matchScreenshot } from '../../../packages/sdk-js/test/screenshots.js';
import { type Inbox, inboxSite, openInbox } from './site.js';

const BASELINES = fileURLToPath(new URL('./screens/', import.meta.url));

/**
 * The inbox's main screen, light and dark, and its list on a phone, against committed
 * baselines. Five customers write in on five channels, in the same order every run; three
 * conversations are assigned, one to a team; the agent has answered Maria on WhatsApp and she
 * has sent a place. Times (and the service window's end) change from run to run and are masked.
 */
describe('examples/omnichannel-inbox screens', () => {
  let site: Awaited<ReturnType<typeof inboxSite>>;
  let inbox: Inbox;
  const browser = new TestChromium();

  beforeAll(async () => {
    site = await inboxSite('screens');
    inbox = site.inbox;
    await inbox.simulate('loopback', 'Hello! Is the sandbox API down for you too?');
    await inbox.simulate('messenger', 'Vocês entregam no sábado?');
    await inbox.simulate('instagram', 'Adorei o produto! Tem em azul?');
    await inbox.simulate('telegram', 'Hi, can I change my delivery address?');
    await inbox.simulate('whatsapp', 'Olá! Meu pedido #4821 ainda não chegou.');
    const { contacts } = (await inbox.api('GET', '/v1/contacts?limit=10')) as ContactPage;
    const named = (name: string) => contacts.find((c) => c.displayName === name)?.conversationId as string;
    const maria = named('Maria Silva');
    await inbox.api('PATCH', `/v1/conversations/${maria}`, { assigneeId: 'agent', teamId: 'support' });
    await inbox.api('PATCH', `/v1/conversations/${named('Rui')}`, { assigneeId: 'marco', teamId: 'billing' });
    await inbox.api('PATCH', `/v1/conversations/${named('Ana Souza')}`, { assigneeId: 'lia' });
    await inbox.api('POST', `/v1/conversations/${maria}/messages`, {
      id: randomUUID(),
      senderId: 'agent',
      text: 'Oi Maria! Vou verificar o pedido #4821 agora mesmo.',
    });
    await inbox.simulate('whatsapp', '', 'location');
  }, 90_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
  });

  const rows = (page: Page) => page.getByRole('listbox', { name: 'Conversations' });

  /** What changes between runs: times, and the service window's end. */
  const masks = (page: Page) => [page.locator('time'), page.locator('.window'), page.locator('.policies li > span:last-child')];

  async function openMaria(page: Page): Promise<void> {
    await rows(page)
      .getByRole('option', { name: /Maria Silva/ })
      .click();
    const log = page.getByRole('log');
    await log.getByRole('link', { name: /Av\. Paulista/ }).waitFor();
    await log.locator('.c4a-channel[data-channel="whatsapp"][data-status="read"]').waitFor();
    await page.getByRole('complementary', { name: 'Contact details' }).getByText('5511999990000').waitFor();
    await page.locator('.window[data-state="open"]').waitFor();
    // Every row's preview and avatar drawn: nothing left loading.
    await rows(page)
      .getByRole('option', { name: /Alice Martins/ })
      .waitFor();
    await rows(page)
      .getByRole('option', { name: /Lucas Pereira/ })
      .waitFor();
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows the inbox with a WhatsApp conversation and its contact (${colorScheme})`, async () => {
      const page = await openInbox(browser, site.url, { colorScheme, deviceScaleFactor: 1 });
      await openMaria(page);
      await matchScreenshot(page, BASELINES, `inbox-${colorScheme}`, masks(page));
      await page.context().close();
    });
  }

  it('shows the open conversations full width on a phone', async () => {
    const page = await openInbox(browser, site.url, {
      viewport: { width: 390, height: 760 },
      colorScheme: 'light',
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 1,
    });
    await rows(page)
      .getByRole('option', { name: /Lucas Pereira/ })
      .waitFor();
    await rows(page)
      .getByRole('option', { name: /Maria Silva/ })
      .getByText('Sofia Reis')
      .waitFor();
    await matchScreenshot(page, BASELINES, 'phone-list-light', masks(page));
    await page.context().close();
  });
});
