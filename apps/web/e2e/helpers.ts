import { type Browser, expect, type Locator, type Page } from '@playwright/test';

export type Person = { name: string; username: string; email: string; password: string };

/** Unique per run and per test, so tests share one server without stepping on each other. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function person(first: string): Person {
  const username = `${first.toLowerCase()}_${uniqueSuffix()}`;
  return { name: `${first} Tester`, username, email: `${username}@example.com`, password: 'correct horse battery' };
}

/** A fresh browser context: its own cookies, as a second browser would have. */
export async function newUserPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

export async function register(page: Page, who: Person): Promise<void> {
  await page.goto('/register');
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/lobby$/);
}

/** A plain (not encrypted) room made through the API, as the web app's own client does, and opened. */
export async function createPlainRoom(page: Page, name: string): Promise<void> {
  const status = await page.evaluate(async (room) => {
    const response = await fetch('/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: room, encrypted: false }),
    });
    return response.status;
  }, name);
  expect(status).toBe(201);
  await page.getByLabel('Enter existing room name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
}

export async function signIn(page: Page, who: Person): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Username or e-mail').fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/lobby$/);
}

export function messageList(page: Page): Locator {
  return page.getByRole('list', { name: 'Messages' });
}

/** The timeline entry holding a message body. */
export function messageItem(page: Page, body: string): Locator {
  return messageList(page).getByRole('listitem').filter({ hasText: body });
}

export function composer(page: Page): Locator {
  return page.getByPlaceholder('Start typing...');
}

export async function send(page: Page, body: string): Promise<void> {
  await composer(page).fill(body);
  await composer(page).press('Enter');
}
