import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createRelay, type Relay } from '@chat4all/relay-server';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { serveStatic, TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { matchScreenshot } from '../../../packages/sdk-js/test/screenshots.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASELINES = fileURLToPath(new URL('./screens/', import.meta.url));
const PASSWORD = 'password-123';

/**
 * The example's main screens, light and dark, against committed baselines: the sign-in page,
 * a group conversation with its list, and the list on a phone. The data is the same every run
 * (names, texts, order); times, which are not, are masked.
 */
describe('examples/react-chat screens', () => {
  let relay: Relay;
  let siteUrl: string;
  let site: Awaited<ReturnType<typeof serveStatic>>;
  const browser = new TestChromium();

  beforeAll(async () => {
    relay = await createRelay({
      port: 0,
      dataDir: fileURLToPath(new URL('../../../test-results/react-chat-screens-relay/', import.meta.url)),
      logLevel: 'silent',
      store: { sqlite: { path: ':memory:' } },
    });
    const relayUrl = await relay.listen();
    const outDir = fileURLToPath(new URL('../../../test-results/react-chat-screens-build/', import.meta.url));
    await build({
      root: ROOT,
      logLevel: 'silent',
      define: { 'import.meta.env.VITE_CHAT4ALL_URL': JSON.stringify(relayUrl) },
      build: { outDir, emptyOutDir: true },
    });
    site = await serveStatic(outDir);
    siteUrl = site.url;

    const call = async <T>(method: string, path: string, body: unknown, token?: string): Promise<T> => {
      const response = await fetch(`${relayUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const register = (username: string, displayName: string) =>
      call<{ user: { id: string }; accessToken: string }>('POST', '/v1/auth/register', { username, password: PASSWORD, displayName });
    const ana = await register('ana', 'Ana Lima');
    const bruno = await register('bruno', 'Bruno Costa');
    const carla = await register('carla', 'Carla Dias');
    await register('diego', 'Diego Ramos');
    const say = (token: string, conversationId: string, text: string) =>
      call('POST', `/v1/conversations/${conversationId}/messages`, { id: randomUUID(), text }, token);
    const direct = await call<{ id: string }>('POST', '/v1/conversations', { type: 'private', userId: carla.user.id }, ana.accessToken);
    await say(carla.accessToken, direct.id, 'Can you send me the invoice?');
    const team = await call<{ id: string }>(
      'POST',
      '/v1/conversations',
      { type: 'group', title: 'Design team', memberIds: [bruno.user.id, carla.user.id] },
      ana.accessToken,
    );
    await say(ana.accessToken, team.id, 'Morning! The new onboarding screens are up for review.');
    await say(bruno.accessToken, team.id, 'Looks great. The sign-in card could use a bit more spacing.');
    await say(bruno.accessToken, team.id, 'And the dark theme needs a softer border colour.');
    await say(carla.accessToken, team.id, 'Agreed on both. I will update the tokens this afternoon.');
    await say(ana.accessToken, team.id, 'Thanks both!');
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await site?.close();
    await relay?.close();
  });

  async function open(options: BrowserContextOptions): Promise<Page> {
    const context = await browser.newContext({ deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC', ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(siteUrl);
    return page;
  }

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('option', { name: /Design team/ }).waitFor();
  }

  const masks = (page: Page) => [page.locator('time')];

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows the sign-in page and a group conversation (${colorScheme})`, async () => {
      const page = await open({ viewport: { width: 1100, height: 720 }, colorScheme });
      await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
      await matchScreenshot(page, BASELINES, `sign-in-${colorScheme}`);

      await signIn(page);
      await page.getByRole('option', { name: /Design team/ }).click();
      const log = page.getByRole('log');
      await log.getByText('Thanks both').waitFor();
      await page.getByRole('heading', { name: 'Design team' }).waitFor();
      await page.locator('.c4a-message[data-own] .c4a-status[data-status="read"], .c4a-message[data-own] .c4a-status').first().waitFor();
      // Every avatar's initials drawn and every list row's preview written: nothing left loading.
      await page.getByRole('option', { name: /Carla Dias/ }).waitFor();
      await log.getByRole('img', { name: 'Bruno Costa' }).waitFor();
      await matchScreenshot(page, BASELINES, `conversation-${colorScheme}`, masks(page));
      await page.context().close();
    });
  }

  it('shows the list full width on a phone, and the conversation with a way back', async () => {
    const page = await open({ viewport: { width: 390, height: 760 }, colorScheme: 'light', isMobile: true, hasTouch: true });
    await signIn(page);
    await page.getByRole('option', { name: /Carla Dias/ }).waitFor();
    await matchScreenshot(page, BASELINES, 'phone-list-light', masks(page));
    await page.getByRole('option', { name: /Design team/ }).click();
    await page.getByRole('log').getByText('Thanks both').waitFor();
    await page.getByRole('button', { name: 'Back to chats' }).waitFor();
    await matchScreenshot(page, BASELINES, 'phone-conversation-light', masks(page));
    await page.context().close();
  });
});
