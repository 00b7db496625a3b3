import type { Page } from 'playwright-core';

export const PASSWORD = 'password-123';

/** Creates an account in the example's sign-in page and waits for the app; resolves with the new user's id. */
export async function register(page: Page, siteUrl: string, username: string, displayName = username): Promise<string> {
  await page.goto(siteUrl);
  await page.getByRole('button', { name: 'New here? Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Your name').fill(displayName);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New chat' }).first().waitFor();
  return page.evaluate(() => (JSON.parse(localStorage.getItem('chat4all-example-session') ?? '{}') as { user: { id: string } }).user.id);
}

/** Starts a private chat from "New chat" by finding someone by name in the directory. */
export async function startChat(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New chat' });
  await dialog.getByRole('combobox', { name: 'Search people' }).fill(name);
  await dialog.getByRole('option', { name }).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}
