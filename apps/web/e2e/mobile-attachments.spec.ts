import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Browser, expect, type Locator, type Page, test } from './fixtures';
import { createPlainRoom, messageItem, newUserPage, person, register, send, uniqueSuffix } from './helpers.ts';
import { png, sunset } from './images.ts';

// The phone app's web build (apps/mobile, served on E2E_MOBILE_PORT) sends and shows photos
// against a real Tandem server; a web-app user in the same room sees them. In the web build,
// expo-image-picker opens the browser's <input type="file">: Playwright answers its chooser.

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../artifacts/screenshots');
const phoneApp = `http://127.0.0.1:${process.env.E2E_MOBILE_PORT}`;
const server = `http://127.0.0.1:${process.env.E2E_PORT}`;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A phone-sized browser on the phone app's first screen, with a name typed in. */
async function openPhone(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const phone = await context.newPage();
  await phone.goto(phoneApp);
  // The first load parses the whole bundle: give a busy machine time.
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible({ timeout: 20_000 });
  await phone.getByLabel('Your name').fill(`phone_${uniqueSuffix()}`);
  return phone;
}

/** Picks a photo with the paperclip (the browser's file chooser) and waits for its upload. */
async function attachOnPhone(phone: Page, name: string, buffer: Buffer): Promise<void> {
  const chooser = phone.waitForEvent('filechooser');
  await phone.getByRole('button', { name: 'Attach photo' }).click();
  await (await chooser).setFiles({ name, mimeType: 'image/png', buffer });
  const tray = phone.getByRole('list', { name: 'Files to send' });
  await expect(tray.getByText(name, { exact: true })).toBeVisible();
  await expect(tray.getByText('Uploaded', { exact: true })).toBeVisible({ timeout: 15_000 });
}

/** An image has arrived and decoded (not just its box): its pixels are the picture's. */
async function expectPicture(image: Locator, width: number): Promise<void> {
  await expect(image).toBeVisible({ timeout: 15_000 });
  await expect.poll(() => image.evaluate((el) => (el instanceof HTMLImageElement ? el.naturalWidth : -1))).toBe(width);
}

/** On the phone (react-native-web), an <Image> is a labelled box holding a real <img> with the same name. */
const phoneImage = (phone: Page, name: string) => phone.locator('img').and(phone.getByRole('img', { name }));

async function phoneShot(phone: Page, name: string): Promise<void> {
  await phone.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await phone.waitForTimeout(300);
  await phone.screenshot({ path: path.join(screenshots, `${name}-390x844.png`) });
}

type StoredFile = { stored_name: string; original_name: string; content_type: string; size: number };

/** The files the server keeps for a room's messages, from its database, with their bytes. */
async function storedFiles(room: string): Promise<Array<StoredFile & { bytes: Buffer }>> {
  const db = new Database(process.env.TANDEM_E2E_DATABASE as string, { readonly: true, fileMustExist: true });
  let rows: StoredFile[];
  try {
    rows = db
      .prepare(
        `select u.stored_name, u.original_name, u.content_type, u.size from uploads u
         join messages m on m.id = u.message_id join rooms r on r.id = m.room_id where r.name = ? order by m.seq`,
      )
      .all(room) as StoredFile[];
  } finally {
    db.close();
  }
  return Promise.all(
    rows.map(async (row) => {
      const response = await fetch(`${server}/static/${row.stored_name}`);
      expect(response.status).toBe(200);
      return { ...row, bytes: Buffer.from(await response.arrayBuffer()) };
    }),
  );
}

test('the phone sends a photo in a plain room: the web user sees the thumbnail, the server keeps the same bytes', async ({
  browser,
}) => {
  // Two browsers, a server and a bundle on a small shared machine: generous.
  test.setTimeout(240_000);
  const room = `Photo Desk ${uniqueSuffix()}`;
  const image = sunset();

  const web = await newUserPage(browser);
  await register(web, person('Viewer'));
  await createPlainRoom(web, room);

  const phone = await openPhone(browser);
  await phone.getByLabel('Enter existing room name').fill(room);
  await phone.getByRole('button', { name: 'Join' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();
  await expect(phone.getByText('Not end-to-end encrypted', { exact: true })).toBeVisible();

  await attachOnPhone(phone, 'phone-sunset.png', image);
  const composer = phone.getByRole('textbox', { name: 'Message' });
  await composer.fill('Sunset from the phone');
  await phoneShot(phone, 'mobile-attachments-tray');
  await composer.press('Enter');
  await expect(phone.getByRole('list', { name: 'Files to send' })).toHaveCount(0);

  // The web user sees the thumbnail in the phone user's message; the phone shows it too.
  await expectPicture(messageItem(web, 'Sunset from the phone').getByRole('img', { name: 'phone-sunset.png' }), 320);
  await expectPicture(phoneImage(phone, 'phone-sunset.png'), 320);
  await expect(phone.getByText('sending…')).toHaveCount(0);

  // The server stored exactly the photo's bytes, under its name and type, attached to the message.
  const [file, ...more] = await storedFiles(room);
  expect(more).toEqual([]);
  expect(file).toMatchObject({ original_name: 'phone-sunset.png', content_type: 'image/png', size: image.length });
  expect(file?.bytes.equals(image)).toBe(true);
  await phoneShot(phone, 'mobile-attachments-plain');
});

test('the phone encrypts a photo before it leaves: the web member sees it decrypted, the server holds ciphertext only', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const room = `Sealed Photos ${uniqueSuffix()}`;
  const image = sunset();

  // The phone creates an encrypted room; a web user joins it by name and gets the key from the phone.
  const phone = await openPhone(browser);
  await phone.getByLabel('Enter new room name').fill(room);
  await phone.getByRole('button', { name: 'Create' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();
  await expect(phone.getByText('End-to-end encrypted', { exact: true })).toBeVisible();
  const web = await newUserPage(browser);
  await register(web, person('Sealy'));
  await web.getByLabel('Enter existing room name').fill(room);
  await web.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(web.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(web.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 15_000 });

  // Phone → web: encrypted on the phone, decrypted in the web user's browser.
  await attachOnPhone(phone, 'phone-sunset.png', image);
  const composer = phone.getByRole('textbox', { name: 'Message' });
  await composer.fill('Sealed sunset');
  await composer.press('Enter');
  await expectPicture(messageItem(web, 'Sealed sunset').getByRole('img', { name: 'phone-sunset.png' }), 320);

  // Web → phone: the phone downloads the ciphertext and decrypts it itself.
  const hills = png(200, 120, (x, y) => (y > 70 + 20 * Math.sin(x / 30) ? [34, 139, 84] : [125, 180, 246]));
  const chooser = web.waitForEvent('filechooser');
  await web.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles({ name: 'web-hills.png', mimeType: 'image/png', buffer: hills });
  await expect(web.getByRole('list', { name: 'Files to send' }).getByText('Uploaded')).toBeVisible();
  await send(web, 'Hills from the web');
  await expect(phone.getByText('Hills from the web', { exact: true })).toBeVisible();
  await expectPicture(phoneImage(phone, 'web-hills.png'), 200);
  await expectPicture(phoneImage(phone, 'phone-sunset.png'), 320);
  await expect(phone.getByText('sending…')).toHaveCount(0);

  // The server holds neither picture: neutral names and types, bytes that are not the PNGs.
  const files = await storedFiles(room);
  expect(files.map((f) => [f.original_name, f.content_type])).toEqual([
    ['encrypted.bin', 'application/octet-stream'],
    ['encrypted.bin', 'application/octet-stream'],
  ]);
  const [fromPhone, fromWeb] = files;
  expect(fromPhone?.bytes.length).toBeGreaterThan(image.length);
  expect(fromPhone?.bytes.includes(PNG_SIGNATURE)).toBe(false);
  expect(fromPhone?.bytes.includes(image.subarray(16, 64))).toBe(false);
  expect(fromWeb?.bytes.includes(PNG_SIGNATURE)).toBe(false);
  await phoneShot(phone, 'mobile-attachments');
});
