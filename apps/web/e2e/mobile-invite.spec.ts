import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Browser, expect, type Page, test } from './fixtures';
import { messageItem, person, register, send, uniqueSuffix } from './helpers.ts';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../artifacts/screenshots');
const phoneApp = `http://127.0.0.1:${process.env.E2E_MOBILE_PORT}`;

/** The phone app's web build at 390×844, in a browser of its own. */
async function newPhone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  return context.newPage();
}

/**
 * Opens an address of the phone app's web build. `expo serve` is a plain static file server: an
 * address that is no file, such as the app's `/join/<roomId>`, is a 404 there, where a host set
 * up for a single-page app (as the Tandem server is for the web app) answers with the app's
 * index.html. That one navigation is sent on to the build's `/` here, so the app starts at the
 * invite link's own address, fragment and all; the routing is removed once the page has loaded,
 * and every request the app makes after that is the browser's own.
 */
async function openOnPhone(phone: Page, address: string): Promise<void> {
  await phone.route(`${phoneApp}/join/**`, (route) => route.continue({ url: `${phoneApp}/` }));
  await phone.goto(address);
  await phone.unrouteAll();
}

async function phoneShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(screenshots, `${name}-390x844.png`) });
}

test('a web user invites the phone by link: it picks a name, lands in the encrypted room, reads it, and they talk both ways', async ({
  browser,
}) => {
  // Two browsers, two servers and a bundle on a small shared machine: generous.
  test.setTimeout(240_000);
  const room = `Invited ${uniqueSuffix()}`;

  // The web user makes an encrypted room, writes in it, and copies its invite link.
  const webContext = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const web = await webContext.newPage();
  await register(web, person('Inviter'));
  await web.getByLabel('Enter new room name').fill(room);
  await web.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(web.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(web.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await send(web, 'Welcome, phone: this was sealed before you came');
  await expect(messageItem(web, 'Welcome, phone: this was sealed before you came')).toBeVisible();
  await web.getByRole('button', { name: 'Copy invite link' }).click();
  const link = await web.evaluate(() => navigator.clipboard.readText());
  const roomId = new URL(web.url()).pathname.split('/').at(-1) ?? '';
  expect(link).toMatch(new RegExp(`/join/${roomId}#k=[A-Za-z0-9_-]{43}$`));

  // The phone opens the same path on the phone app's origin, on first launch (no session).
  const invite = new URL(link);
  const phoneLink = `${phoneApp}${invite.pathname}${invite.hash}`;
  const phone = await newPhone(browser);
  await openOnPhone(phone, phoneLink);
  // The first load parses the whole bundle: give a busy machine time.
  await expect(phone.getByRole('heading', { name: 'Join the encrypted room' })).toBeVisible({ timeout: 20_000 });
  // The key left the address bar at once: the address is the app's own again.
  await expect(phone).toHaveURL(`${phoneApp}/`);
  const name = `phone_${uniqueSuffix()}`;
  await phone.getByLabel('Your name').fill(name);
  await phoneShot(phone, 'mobile-invite-join');
  await phone.getByRole('button', { name: 'Join', exact: true }).click();

  // In the room at once: the key came with the link, no member had to hand it over.
  await expect(phone.getByRole('heading', { name: room })).toBeVisible({ timeout: 15_000 });
  await expect(phone.getByText('End-to-end encrypted', { exact: true })).toBeVisible();
  await expect(phone.getByText('Welcome, phone: this was sealed before you came', { exact: true })).toBeVisible();
  await expect(phone.getByText('Waiting for a member to share the key…')).toHaveCount(0);
  await expect(phone).not.toHaveURL(/#/);

  // Phone → web.
  const phoneComposer = phone.getByRole('textbox', { name: 'Message' });
  await expect(phoneComposer).toBeEditable();
  await phoneComposer.fill('Thanks for the link, hello from the phone');
  await phoneComposer.press('Enter');
  await expect(messageItem(web, 'Thanks for the link, hello from the phone')).toBeVisible();
  await expect(phoneComposer).toHaveValue('');

  // Web → phone.
  await send(web, 'Glad you made it');
  await expect(phone.getByText('Glad you made it', { exact: true })).toBeVisible();
  await expect(phone.getByText('seen', { exact: true })).toBeVisible();

  // The phone shares the room on: with no share sheet in this browser the link is copied, and it
  // is the web app's own link (on the Tandem server's origin, the same key).
  await phone.getByRole('button', { name: 'Share invite link' }).click();
  await expect(phone.getByRole('alert').filter({ hasText: 'Invite link copied' })).toBeVisible();
  expect(await phone.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await expect(phone.getByRole('alert').filter({ hasText: 'Invite link copied' })).toHaveCount(0, {
    timeout: 10_000,
  });
  await expect(phone.getByText('Reconnecting…')).toHaveCount(0, { timeout: 15_000 });
  await phoneShot(phone, 'mobile-invite-chat');

  // The server holds ciphertext only for this room.
  const db = new Database(process.env.TANDEM_E2E_DATABASE as string, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('select m.body, m.sealed from messages m join rooms r on r.id = m.room_id where r.id = ?')
      .all(roomId) as Array<{ body: string; sealed: string | null }>;
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.body).toBe('');
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain('Welcome, phone');
    expect(everything).not.toContain('Thanks for the link');
    expect(everything).not.toContain('Glad you made it');
  } finally {
    db.close();
  }
  await webContext.close();
});

test('the phone says so when an invite link has no usable key, and leads back to the front page', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const phone = await newPhone(browser);
  await openOnPhone(phone, `${phoneApp}/join/no-such-room-0001#k=cut-short`);
  await expect(phone.getByRole('heading', { name: 'Cannot join' })).toBeVisible({ timeout: 20_000 });
  await expect(
    phone.getByText('This invite link has no valid key. Ask for the link again, and copy all of it.'),
  ).toBeVisible();
  await expect(phone).toHaveURL(`${phoneApp}/`);
  await phone.getByRole('button', { name: 'Back to rooms' }).click();
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible();
  await expect(phone.getByLabel('Your name')).toBeVisible();
});
