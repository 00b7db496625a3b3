import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { build } from 'vite';
import { serveStatic, type TestChromium } from '../../../packages/sdk-js/test/browser-harness.js';
import { startInbox } from '../inbox.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type Inbox = Awaited<ReturnType<typeof startInbox>>;

/**
 * The inbox as a user runs it: its back end (a relay whose channels point at the platform
 * fakes, and the simulator), and the app built by Vite and served as static files. `name`
 * keeps each test file's build apart.
 */
export async function inboxSite(name: string): Promise<{ inbox: Inbox; url: string; close(): Promise<void> }> {
  const inbox = await startInbox({ relayPort: 0, simulatorPort: 0, statusDelayMs: 150 });
  const outDir = fileURLToPath(new URL(`../../../test-results/omnichannel-inbox-${name}/`, import.meta.url));
  await build({
    root: ROOT,
    logLevel: 'silent',
    define: { 'import.meta.env.VITE_INBOX_SIMULATOR': JSON.stringify(inbox.simulatorUrl) },
    build: { outDir, emptyOutDir: true },
  });
  const site = await serveStatic(outDir);
  inbox.allowOrigin(site.url);
  return {
    inbox,
    url: site.url,
    async close() {
      await site.close();
      await inbox.close();
    },
  };
}

/** A page of the inbox, signed in as the agent Sofia Reis, its list showing. */
export async function openInbox(browser: TestChromium, url: string, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC', viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  await page.getByText('Sofia Reis').first().waitFor();
  return page;
}
