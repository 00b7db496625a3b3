import { mkdirSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ContactPage, ConversationDetail } from '@chat4all/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { type Inbox, inboxSite, openInbox } from './site.js';

const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/**
 * The inbox as an agent uses it, in Chromium: customers write in through the platform fakes'
 * signed webhooks; the agent triages, answers (with canned responses) and reacts in the app;
 * the fakes receive the answers in their API's shape and report them delivered and read.
 */
describe('examples/omnichannel-inbox end to end in Chromium', () => {
  let site: Awaited<ReturnType<typeof inboxSite>>;
  let inbox: Inbox;
  const browser = new TestChromium();

  beforeAll(async () => {
    site = await inboxSite('e2e');
    inbox = site.inbox;
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
  });

  const badges = (page: Page) => page.locator('.c4a-channel').evaluateAll((els) => els.map((e) => e.textContent));
  const row = (page: Page, name: string | RegExp) => page.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name });
  const composer = (page: Page) => page.locator('.c4a-composer textarea');
  const conversationOf = async (name: string) => {
    const { contacts } = (await inbox.api('GET', '/v1/contacts?limit=50')) as ContactPage;
    return contacts.find((c) => c.displayName === name)?.conversationId as string;
  };

  it('lists each customer by name with their channel; answers reach each platform and come back delivered and read', async () => {
    const page = await openInbox(browser, site.url);
    // A WhatsApp customer writes through the app's developer tools, the others straight through the fakes.
    await page.getByRole('button', { name: 'Developer tools' }).click();
    const tools = page.getByRole('complementary', { name: 'Developer tools' });
    await tools.getByLabel('Channel').selectOption('whatsapp');
    await tools.getByLabel('Customer message').fill('Meu pedido não chegou');
    await tools.getByRole('button', { name: 'Customer writes' }).click();
    await row(page, /Maria Silva/).waitFor();
    // The loopback customer's own words arrive, not a contact with nothing said.
    await tools.getByLabel('Channel').selectOption('loopback');
    await tools.getByLabel('Customer message').fill('Is the sandbox down?');
    await tools.getByRole('button', { name: 'Customer writes' }).click();
    await row(page, /Alice Martins.*Is the sandbox down\?/).waitFor();
    await tools.getByRole('button', { name: 'Close developer tools' }).click();
    await inbox.simulate('telegram', 'hello from Telegram');
    // Messenger sends no name: the relay asked Meta's profile API (the fake) for it.
    await inbox.simulate('messenger', 'Vocês entregam no sábado?');
    await row(page, /Lucas Pereira/).waitFor();
    expect(
      await row(page, /Maria Silva/)
        .locator('.channel-badge')
        .textContent(),
    ).toBe('WhatsApp');
    expect(
      await row(page, /Lucas Pereira/)
        .locator('.channel-badge')
        .textContent(),
    ).toBe('Messenger');
    // One line per row part: the title is the customer's name alone, never "WhatsApp / · Maria".
    expect(await row(page, /Rui/).locator('.c4a-conversation-title').textContent()).toBe('Rui');

    await row(page, /Maria Silva/).click();
    await page.getByRole('log').getByText('Meu pedido não chegou').waitFor();
    expect(await page.locator('.conversation-bar').textContent()).toContain('WhatsApp');
    await composer(page).fill('Vou verificar agora mesmo');
    await composer(page).press('Enter');
    await expect.poll(() => badges(page)).toEqual(['WhatsApp · read']);
    expect(inbox.fakes.whatsapp.calls.at(-1)).toMatchObject({
      to: '5511999990000',
      type: 'text',
      text: { body: 'Vou verificar agora mesmo' },
    });
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-whatsapp.png` });

    await row(page, /Rui/).click();
    await page.getByRole('log').getByText('hello from Telegram').waitFor();
    await composer(page).fill('Hi Rui!');
    await composer(page).press('Enter');
    // Telegram reports no delivery or read for bots: sent is as far as it goes.
    await expect.poll(() => badges(page)).toEqual(['Telegram · sent']);
    expect(inbox.fakes.telegram.calls.at(-1)).toEqual({ method: 'sendMessage', body: { chat_id: '5150', text: 'Hi Rui!' } });
    await page.context().close();
  });

  it('assigns, resolves and reopens: the views follow, the relay keeps it for every agent, and a customer writing in opens it again', async () => {
    await inbox.simulate('whatsapp', 'Ainda estou esperando');
    const page = await openInbox(browser, site.url);
    const mine = page.getByRole('button', { name: /^Mine/ });
    await mine.click();
    await page.getByText('No open conversations assigned to you').waitFor();
    await page.getByRole('button', { name: /^All/ }).click();
    await row(page, /Maria Silva/).click();
    const bar = page.locator('.conversation-bar');
    await bar.getByLabel('Assignee').selectOption('agent');
    await bar.getByLabel('Team').selectOption('billing');
    await expect
      .poll(() =>
        row(page, /Maria Silva/)
          .locator('.c4a-conversation-extra')
          .textContent(),
      )
      .toBe('WhatsAppSofia ReisBilling');
    await mine.click();
    await row(page, /Maria Silva/).waitFor();
    expect(await mine.textContent()).toBe('Mine 1');
    const panel = page.getByRole('complementary', { name: 'Contact details' });
    expect(await panel.locator('.details').textContent()).toContain('AssigneeSofia Reis');

    // What the agent did is the conversation's, as the relay's list filters show it to any agent.
    const id = await conversationOf('Maria Silva');
    const seen = (await inbox.api('GET', `/v1/conversations/${id}`)) as ConversationDetail;
    expect(seen).toMatchObject({ status: 'open', assigneeId: 'agent', teamId: 'billing' });

    // Resolved: gone from Open, listed under Resolved.
    await bar.getByRole('button', { name: 'Resolve' }).click();
    await row(page, /Maria Silva/).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Resolved', exact: true }).click();
    await row(page, /Maria Silva/).waitFor();
    await page.locator('.status-pill[data-status="resolved"]').waitFor();
    // She writes again: the relay opens it, and it moves back to Open.
    await inbox.simulate('whatsapp', 'Mais uma pergunta');
    await row(page, /Maria Silva/).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await row(page, /Maria Silva.*Mais uma pergunta/).waitFor();
    await bar.getByRole('button', { name: 'Mark as pending' }).waitFor();

    // Pending, then unassigned: back with the others waiting.
    await bar.getByRole('button', { name: 'Mark as pending' }).click();
    await page.getByRole('button', { name: 'Pending', exact: true }).click();
    await row(page, /Maria Silva/).waitFor();
    await bar.getByLabel('Assignee').selectOption('');
    await row(page, /Maria Silva/).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: /^Unassigned/ }).click();
    await row(page, /Maria Silva/).waitFor();
    await bar.getByRole('button', { name: 'Reopen' }).click();
    await page.context().close();
  });

  it('answers with a canned response, finds messages by search, and shows every channel identity of a contact', async () => {
    await inbox.simulate('whatsapp', 'Quero o reembolso do pedido');
    await inbox.simulate('messenger', 'Tem entrega expressa para Curitiba?');
    const page = await openInbox(browser, site.url);
    await row(page, /Maria Silva/).click();
    const box = composer(page);
    await box.fill('/ref');
    const canned = page.getByRole('listbox', { name: 'Canned responses' });
    await canned.getByRole('option', { name: /\/refund/ }).waitFor();
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('Já solicitamos o reembolso. O valor aparece na sua fatura em até 5 dias úteis.');
    await box.press('End');
    await box.pressSequentially(' Obrigado!');
    await box.press('Enter');
    await expect
      .poll(() => (inbox.fakes.whatsapp.calls.at(-1)?.text as { body?: string } | undefined)?.body)
      .toBe('Já solicitamos o reembolso. O valor aparece na sua fatura em até 5 dias úteis. Obrigado!');

    // The search finds a message in another conversation, and opens it.
    await page.getByLabel('Search').fill('curitiba');
    const found = page.getByRole('region', { name: 'Messages found' });
    await found.getByRole('button', { name: /Lucas Pereira/ }).click();
    await page.getByRole('log').getByText('Tem entrega expressa para Curitiba?').waitFor();
    expect(await page.locator('.conversation-bar strong').textContent()).toBe('Lucas Pereira');
    // Only what matches stays in the list.
    await expect.poll(() => page.getByRole('listbox', { name: 'Conversations' }).getByRole('option').count()).toBe(1);
    await page.getByLabel('Search').fill('');

    // The contact panel: each channel identity, and the service window.
    await row(page, /Maria Silva/).click();
    const panel = page.getByRole('complementary', { name: 'Contact details' });
    await panel.getByRole('heading', { name: 'Maria Silva' }).waitFor();
    expect(await panel.locator('.identities li').first().textContent()).toContain('WhatsApp5511999990000');
    await panel.locator('.policies li[data-state="open"]').waitFor();
    await page.context().close();
  });

  it('shows places, button choices, photos, reactions both ways, the service window and a held channel that resumes', async () => {
    const page = await openInbox(browser, site.url, { viewport: { width: 1280, height: 900 } });
    await inbox.simulate('whatsapp', 'Oi de novo');
    await row(page, /Maria Silva/).click();
    const log = page.getByRole('log');
    await log.getByText('Oi de novo').waitFor();
    await page.waitForSelector('.window[data-state=open]:has-text("window open until")');

    await inbox.simulate('whatsapp', '', 'location');
    // A place is a link to the map, made from its coordinates only.
    const place = log.getByRole('link', { name: 'Av. Paulista — São Paulo' });
    expect(await place.getAttribute('href')).toBe('https://www.openstreetmap.org/?mlat=-23.5614&mlon=-46.6559#map=16/-23.5614/-46.6559');
    await inbox.simulate('whatsapp', 'Rastrear pedido', 'choice');
    await log.locator('.c4a-content[data-type="choice"]', { hasText: 'Chose “Rastrear pedido”' }).waitFor();
    await inbox.simulate('whatsapp', 'foto do pacote', 'photo');
    await log.locator('.c4a-message-file img, a.c4a-message-thumbnail img').first().waitFor();

    // The agent reacts to the customer's photo: a WhatsApp reaction message to its wamid.
    const photo = page.locator('.c4a-message', { hasText: 'foto do pacote' });
    await photo.hover();
    await photo.getByRole('button', { name: 'React with 🙏' }).click();
    await photo.locator('button.c4a-reaction[aria-pressed=true]', { hasText: '🙏 1' }).waitFor();
    await expect.poll(() => inbox.fakes.whatsapp.reactions.at(-1)?.emoji).toBe('🙏');

    // The agent answers; the customer reacts to the answer on WhatsApp.
    await composer(page).fill('Já localizei, chega amanhã');
    await composer(page).press('Enter');
    const statusOf = (text: string) => page.locator('.c4a-message', { hasText: text }).locator('.c4a-channel');
    await expect.poll(() => statusOf('Já localizei').textContent()).toBe('WhatsApp · read');
    await inbox.simulate('whatsapp', '❤️', 'reaction');
    await page.locator('.c4a-message', { hasText: 'Já localizei' }).locator('button.c4a-reaction', { hasText: '❤️ 1' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-rich.png` });

    // The token expires: the answer waits, the channel shows held; fixed and resumed, it goes once.
    await page.getByRole('button', { name: 'Developer tools' }).click();
    const tools = page.getByRole('complementary', { name: 'Developer tools' });
    await tools.getByRole('button', { name: 'Expire WhatsApp token' }).click();
    await tools.getByText('token expired').waitFor();
    await tools.getByRole('button', { name: 'Close developer tools' }).click();
    await composer(page).fill('Mais alguma coisa?');
    await composer(page).press('Enter');
    const health = page.getByRole('region', { name: 'Channel health' });
    await health.locator('li[data-status=held]', { hasText: 'held: UNAUTHORIZED' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-held.png` });
    await page.getByRole('button', { name: 'Developer tools' }).click();
    await tools.getByRole('button', { name: 'Fix WhatsApp token' }).click();
    await tools.getByText('token fixed').waitFor();
    await tools.getByRole('button', { name: 'Close developer tools' }).click();
    await health.locator('li[data-status=held]').getByRole('button', { name: 'Resume' }).click();
    await health.locator('li[data-status=active][data-channel=whatsapp]').waitFor();
    await expect.poll(() => statusOf('Mais alguma coisa?').textContent()).toBe('WhatsApp · read');
    // Refused at the door while the token was bad (the fake keeps no call it did not authorize), then sent once.
    const answers = inbox.fakes.whatsapp.calls.filter((c) => (c.text as { body?: string } | undefined)?.body === 'Mais alguma coisa?');
    expect(answers).toHaveLength(1);
    await page.context().close();
  });

  it('carries one conversation across WhatsApp and Instagram: each customer’s message reaches the other, with statuses', async () => {
    const page = await openInbox(browser, site.url);
    await inbox.simulate('instagram', 'Hi, I am the courier');
    await row(page, /Ana Souza/).waitFor();
    await page.getByRole('button', { name: 'Developer tools' }).click();
    const tools = page.getByRole('complementary', { name: 'Developer tools' });
    await tools.getByRole('button', { name: 'Bring the Instagram customer into the WhatsApp conversation' }).click();
    await tools.getByText('one conversation across WhatsApp and Instagram').waitFor();
    await tools.getByRole('button', { name: 'Close developer tools' }).click();

    await inbox.simulate('whatsapp', 'Quando chega?');
    await row(page, /Maria Silva/).click();
    const question = page.locator('.c4a-message', { hasText: 'Quando chega?' });
    // Maria's message goes to the courier on Instagram, with its status there.
    await question.locator('.c4a-channel[data-channel=instagram][data-status=read]').waitFor();
    expect(inbox.fakes.instagram.calls.at(-1)).toMatchObject({ message: { text: 'Maria Silva: Quando chega?' } });
    // The courier answers on Instagram: it lands in the same conversation, under their name, and reaches Maria on WhatsApp.
    await inbox.simulate('instagram', 'Amanhã de manhã');
    const answer = page.locator('.c4a-message', { hasText: 'Amanhã de manhã' });
    expect(await answer.locator('.c4a-message-sender').textContent()).toBe('Ana Souza');
    await answer.locator('.c4a-channel[data-channel=whatsapp][data-status=read]').waitFor();
    expect(inbox.fakes.whatsapp.calls.at(-1)).toMatchObject({ to: '5511999990000', text: { body: 'Ana Souza: Amanhã de manhã' } });
    // The contact panel shows both customers, each with their channel.
    const panel = page.getByRole('complementary', { name: 'Contact details' });
    await panel.getByRole('region', { name: 'Ana Souza' }).getByText('@ana.souza').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}omnichannel-inbox-across-channels.png` });
    await page.context().close();
  });

  it('keeps the back end to the app: other origins are refused, and a contact is shown only to an agent in their conversation', async () => {
    expect((await fetch(`${inbox.simulatorUrl}/session`, { headers: { origin: 'https://elsewhere.example' } })).status).toBe(403);
    // A page that rebinds its own host name to this machine reaches it under that name: refused too.
    const rebound = await new Promise<number | undefined>((resolve, reject) =>
      get(`${inbox.simulatorUrl}/session`, { headers: { host: 'attacker.example' } }, (answer) => {
        answer.resume();
        resolve(answer.statusCode);
      }).on('error', reject),
    );
    expect(rebound).toBe(403);
    const contactId = ((await inbox.api('GET', '/v1/contacts?limit=1')) as ContactPage).contacts[0]?.id as string;
    const asked = (authorization: string) =>
      fetch(`${inbox.simulatorUrl}/contacts/${encodeURIComponent(contactId)}`, {
        headers: { origin: new URL(site.url).origin, authorization },
      });
    expect((await asked('')).status).toBe(404);
    await inbox.api('PUT', '/v1/users/outsider', { displayName: 'Not an agent' });
    const { token } = (await inbox.api('POST', '/v1/users/outsider/tokens', {})) as { token: string };
    expect((await asked(`Bearer ${token}`)).status).toBe(404);
    const agent = (await (await fetch(`${inbox.simulatorUrl}/session`)).json()) as { token: string };
    expect(await (await asked(`Bearer ${agent.token}`)).json()).toMatchObject({ id: contactId });
  });

  it('shows what customers send as text, never as markup', async () => {
    await inbox.fakes.telegram.inbound({ chatId: 6660, firstName: '<img src=x onerror="window.pwned=1">', text: '<b>bold?</b>' });
    const page = await openInbox(browser, site.url);
    const hostile = row(page, /<img src=x/);
    await hostile.click();
    await page.getByRole('log').getByText('<b>bold?</b>').waitFor();
    expect(await page.locator('.conversation-bar strong').textContent()).toBe('<img src=x onerror="window.pwned=1">');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    await page.context().close();
  });
});
