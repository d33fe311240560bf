import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import Database from 'better-sqlite3';
import { messageItem, newUserPage, person, register, send, uniqueSuffix } from './helpers.ts';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../artifacts/screenshots');
const phoneApp = `http://127.0.0.1:${process.env.E2E_MOBILE_PORT}`;

async function phoneShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(screenshots, `${name}-390x844.png`) });
}

test('the phone app creates an encrypted room, a web user joins it by name, and they talk both ways', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const room = `Team Unicorns ${uniqueSuffix()}`;
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const phone = await phoneContext.newPage();

  // First launch: a username, then seed 000's front page.
  await phone.goto(phoneApp);
  await phone.getByLabel('Username').fill(`phone_${uniqueSuffix()}`);
  await phone.getByRole('button', { name: 'Continue' }).click();
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible();
  await expect(phone.getByRole('heading', { name: 'or join room' })).toBeVisible();
  await phoneShot(phone, 'mobile-front');

  // Create: the key is made on the phone; the chat page opens ready to write.
  await phone.getByLabel('Enter new room name').fill(room);
  await phone.getByRole('button', { name: 'Create' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();
  const phoneComposer = phone.getByRole('textbox', { name: 'Message' });
  await expect(phoneComposer).toBeEditable();

  // A web user joins by name and waits for the key; the phone, online, hands it over by itself.
  const web = await newUserPage(browser);
  await register(web, person('Webby'));
  await web.getByLabel('Enter existing room name').fill(room);
  await web.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(web.getByRole('heading', { level: 1, name: room })).toBeVisible();
  // Ready once the key arrived from the phone (the invite link needs it).
  await expect(web.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 15_000 });
  await expect(web.getByText('Waiting for a member to share the key…')).toHaveCount(0);

  // Web → phone.
  await send(web, 'Let me know');
  await expect(phone.getByText('Let me know', { exact: true })).toBeVisible();

  // Phone → web, sent with Enter from the keyboard as on a hardware keyboard.
  await phoneComposer.fill('Anyone on for lunch today');
  await phoneComposer.press('Enter');
  await expect(messageItem(web, 'Anyone on for lunch today')).toBeVisible();
  await expect(phoneComposer).toHaveValue('');
  // The web user read it: "seen" under the phone's message.
  await expect(phone.getByText('seen', { exact: true })).toBeVisible();
  await expect(phone.getByText('Let me know', { exact: true })).toBeVisible();
  await phoneShot(phone, 'mobile-chat');

  // The server's database holds ciphertext only for this room.
  const db = new Database(process.env.TANDEM_E2E_DATABASE as string, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('select m.body, m.sealed from messages m join rooms r on r.id = m.room_id where r.name = ?')
      .all(room) as Array<{ body: string; sealed: string | null }>;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.body).toBe('');
      expect(JSON.parse(row.sealed ?? 'null')).toMatchObject({ ciphertext: expect.any(String) });
    }
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain('lunch');
    expect(everything).not.toContain('Let me know');
    const roomRow = db.prepare('select encrypted from rooms where name = ?').get(room) as { encrypted: number };
    expect(roomRow.encrypted).toBe(1);
  } finally {
    db.close();
  }

  // Back on the phone: the arrow returns to the front page.
  await phone.getByRole('button', { name: 'Back to rooms' }).click();
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible();
});
