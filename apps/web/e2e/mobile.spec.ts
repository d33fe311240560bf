import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect, type Locator, type Page, test } from './fixtures';
import { createPlainRoom, messageItem, newUserPage, person, register, send, uniqueSuffix } from './helpers.ts';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../artifacts/screenshots');
const phoneApp = `http://127.0.0.1:${process.env.E2E_MOBILE_PORT}`;

const BLUE = 'rgb(37, 99, 235)';

/** How a field is drawn: its outline and border, as the browser computed them. */
function focusLook(field: Locator) {
  return field.evaluate((element) => {
    const style = getComputedStyle(element);
    return {
      outlineStyle: style.outlineStyle,
      outlineWidth: style.outlineWidth,
      outlineColor: style.outlineColor,
      borderColor: style.borderTopColor,
    };
  });
}

async function phoneShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(screenshots, `${name}-390x844.png`) });
}

test('the phone app creates an encrypted room, a web user joins it by name, and they talk both ways', async ({
  browser,
}) => {
  // Two browsers, two servers and a bundle on a small shared machine: generous.
  test.setTimeout(240_000);
  const room = `Team Unicorns ${uniqueSuffix()}`;
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const phone = await phoneContext.newPage();

  // First launch: seed 000's front page at once, with "Your name" above Create Room.
  await phone.goto(phoneApp);
  // The first load parses the whole bundle: give a busy machine time.
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible({ timeout: 20_000 });
  await expect(phone.getByRole('heading', { name: 'or join room' })).toBeVisible();
  await expect(phone.getByRole('button', { name: 'I have an account: sign in' })).toBeVisible();
  await expect(phone.getByText('What should we call you?')).toHaveCount(0);
  await phone.getByLabel('Your name').fill(`phone_${uniqueSuffix()}`);
  await phoneShot(phone, 'mobile-front');

  // Create: the guest session is made under that name, then the room, its key made on the phone;
  // the chat page opens ready to write.
  await phone.getByLabel('Enter new room name').fill(room);
  await phone.getByRole('button', { name: 'Create' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();
  await expect(phone.getByText('End-to-end encrypted', { exact: true })).toBeVisible();
  const phoneComposer = phone.getByRole('textbox', { name: 'Message' });
  await expect(phoneComposer).toBeEditable();
  // Focused, the message field wears the app's blue ring, not the browser's heavy black outline.
  await phoneComposer.focus();
  await expect
    .poll(() => focusLook(phoneComposer))
    .toEqual({ outlineStyle: 'solid', outlineWidth: '1px', outlineColor: BLUE, borderColor: BLUE });
  await phone.screenshot({ path: path.join(screenshots, 'mobile-focus-390x844.png') });

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

test('a web user creates a plain room; the phone joins it by name, says it is not encrypted, and they talk both ways', async ({
  browser,
}) => {
  // Two browsers, two servers and a bundle on a small shared machine: generous.
  test.setTimeout(240_000);
  const room = `Open Plan ${uniqueSuffix()}`;

  // The web user makes a plain (not encrypted) room through the API, as the web app's own client does.
  const web = await newUserPage(browser);
  await register(web, person('Plainy'));
  const created = await web.evaluate(async (name) => {
    const response = await fetch('/rooms', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, encrypted: false }),
    });
    return { status: response.status, body: (await response.json()) as { room: { encrypted: boolean } } };
  }, room);
  expect(created.status).toBe(201);
  expect(created.body.room.encrypted).toBe(false);
  await web.getByLabel('Enter existing room name').fill(room);
  await web.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(web.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await send(web, 'Plain words from the web');
  await expect(messageItem(web, 'Plain words from the web')).toBeVisible();

  // The phone, on first launch, joins it by name: the guest session first, then the room.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const phone = await phoneContext.newPage();
  await phone.goto(phoneApp);
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible({ timeout: 20_000 });
  await phone.getByLabel('Your name').fill(`phone_${uniqueSuffix()}`);
  await phone.getByLabel('Enter existing room name').fill(room);
  await phone.getByRole('button', { name: 'Join' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();
  await expect(phone.getByText('Not end-to-end encrypted', { exact: true })).toBeVisible();
  await expect(phone.getByText('End-to-end encrypted', { exact: true })).toHaveCount(0);
  await expect(phone.getByText('Waiting for a member to share the key…')).toHaveCount(0);
  await expect(phone.getByText('Plain words from the web', { exact: true })).toBeVisible();

  const phoneComposer = phone.getByRole('textbox', { name: 'Message' });
  await expect(phoneComposer).toBeEditable();
  await phoneComposer.fill('Plain words from the phone');
  await phoneComposer.press('Enter');
  await expect(messageItem(web, 'Plain words from the phone')).toBeVisible();
  await expect(phone.getByText('Plain words from the phone', { exact: true })).toBeVisible();
  // A socket dropped on a busy machine comes back by itself (and the shot shows the settled page).
  await expect(phone.getByText('Reconnecting…')).toHaveCount(0, { timeout: 15_000 });
  await phoneShot(phone, 'mobile-plain-chat');

  // Unlike the encrypted room above, the database holds this room's messages as plain text.
  const db = new Database(process.env.TANDEM_E2E_DATABASE as string, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        'select m.body, m.sealed from messages m join rooms r on r.id = m.room_id where r.name = ? order by m.seq',
      )
      .all(room) as Array<{ body: string; sealed: string | null }>;
    expect(rows).toEqual([
      { body: 'Plain words from the web', sealed: null },
      { body: 'Plain words from the phone', sealed: null },
    ]);
    const roomRow = db.prepare('select encrypted from rooms where name = ?').get(room) as { encrypted: number };
    expect(roomRow.encrypted).toBe(0);
  } finally {
    db.close();
  }
});

test('the phone resends a message whose ack was lost with the connection: it is stored and shown once', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const room = `Tunnel ${uniqueSuffix()}`;
  const web = await newUserPage(browser);
  await register(web, person('Waiting'));
  await createPlainRoom(web, room);

  // The phone's sockets go through the test. When told to, it lets a send reach the server but
  // cuts the connection instead of delivering the ack: the phone cannot know it was stored.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true });
  const phone = await phoneContext.newPage();
  let loseNextAck = false;
  let acksLost = 0;
  await phone.routeWebSocket(/\/ws/, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((frame) => {
      if (loseNextAck && typeof frame === 'string' && frame.includes('"type":"ack"')) {
        loseNextAck = false;
        acksLost += 1;
        void socket.close({ code: 1011, reason: 'network down' });
        return;
      }
      socket.send(frame);
    });
  });
  await phone.goto(phoneApp);
  await expect(phone.getByRole('heading', { name: 'Create Room' })).toBeVisible({ timeout: 20_000 });
  await phone.getByLabel('Your name').fill(`phone_${uniqueSuffix()}`);
  await phone.getByLabel('Enter existing room name').fill(room);
  await phone.getByRole('button', { name: 'Join' }).click();
  await expect(phone.getByRole('heading', { name: room })).toBeVisible();

  loseNextAck = true;
  const composer = phone.getByRole('textbox', { name: 'Message' });
  await composer.fill('Said once, in a tunnel');
  await composer.press('Enter');
  await expect.poll(() => acksLost).toBe(1);
  // The phone reconnects by itself, sends it again with the same id, and the server answers with
  // the message it already stored.
  await expect(phone.getByText('Reconnecting…')).toHaveCount(0, { timeout: 20_000 });
  await expect(phone.getByText('Said once, in a tunnel', { exact: true })).toHaveCount(1);
  await expect(phone.getByText('sending…')).toHaveCount(0, { timeout: 15_000 });
  await expect(phone.getByText(/Tap to retry/)).toHaveCount(0);
  await expect(messageItem(web, 'Said once, in a tunnel')).toHaveCount(1);

  const db = new Database(process.env.TANDEM_E2E_DATABASE as string, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('select m.body from messages m join rooms r on r.id = m.room_id where r.name = ?')
      .all(room) as Array<{ body: string }>;
    expect(rows).toEqual([{ body: 'Said once, in a tunnel' }]);
  } finally {
    db.close();
  }
  await phoneContext.close();
});
