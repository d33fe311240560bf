import { expectNoViolations } from './axe.ts';
import { expect, type Page, test, type WebSocketRoute } from './fixtures';
import {
  composer,
  createPlainRoom,
  messageItem,
  newUserPage,
  person,
  register,
  send,
  uniqueSuffix,
} from './helpers.ts';
import { sunset } from './images.ts';
import { docsScreenshotPath } from './screenshots.ts';

// WCAG 2.1 A and AA, as issue 18 asks: zero violations on every page state, at a laptop's and a
// phone's size, in the light and the dark theme.
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
type Size = typeof DESKTOP;
type Scheme = 'light' | 'dark';

/**
 * Checks the page at each size and colour scheme. The theme follows the device's setting
 * (`prefers-color-scheme`) unless chosen otherwise, so emulating it switches the page live.
 */
async function check(
  page: Page,
  state: string,
  { sizes = [DESKTOP, PHONE], schemes = ['light', 'dark'] }: { sizes?: Size[]; schemes?: Scheme[] } = {},
) {
  const original = page.viewportSize();
  for (const scheme of schemes) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    for (const size of sizes) {
      await page.setViewportSize(size);
      // Colours ease on hover and focus (`transition`): let any change settle before measuring.
      await page.waitForTimeout(250);
      await expectNoViolations(page, `${state} at ${size.width}×${size.height}, ${scheme}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (original) await page.setViewportSize(original);
}

test.describe('signed out', () => {
  test('sign-in, register (with errors shown), join, invite and not-found pages', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto('/signin');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await check(page, 'sign-in');
    // A wrong password: the form's error.
    await page.getByLabel('Username or e-mail').fill(`nobody_${uniqueSuffix()}`);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: /./ })).toBeVisible();
    await check(page, 'sign-in with an error', { schemes: ['light'] });

    await page.goto('/register');
    await expect(page.getByRole('heading', { level: 1, name: 'Create an account' })).toBeVisible();
    await check(page, 'register');
    // Sent empty: every field says what is wrong with it.
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
    await check(page, 'register with validation errors');

    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Join a room' })).toBeVisible();
    await check(page, 'join page');

    // An invite link without its key, and one with a key (asks a signed-out visitor for a name).
    await page.goto('/join/no-such-room');
    await expect(page.getByRole('heading', { level: 1, name: 'Cannot join' })).toBeVisible();
    await check(page, 'invite page without a key', { sizes: [PHONE] });
    await page.goto(`/join/some-room#k=${'A'.repeat(43)}`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await check(page, 'invite page');

    await page.goto('/no/such/page');
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
    await check(page, 'not found', { sizes: [PHONE] });
  });
});

test('the lobby: empty, with rooms, with a form error', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await newUserPage(browser);
  await register(page, person('Lena'));
  await expect(page.getByText('No rooms yet. Create the first one.')).toBeVisible();
  await check(page, 'empty lobby');

  // Creating with an empty name: the server's refusal under the field.
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByLabel('Enter new room name')).toHaveAttribute('aria-invalid', 'true');
  await check(page, 'lobby with a create error', { schemes: ['light'] });

  for (const name of [`Plain ${uniqueSuffix()}`, `Second ${uniqueSuffix()}`]) {
    await createPlainRoom(page, name);
    await send(page, `Hello in ${name}`);
    await page.getByRole('link', { name: 'Back' }).click();
  }
  const secret = `Secret ${uniqueSuffix()}`;
  await page.getByLabel('Enter new room name').fill(secret);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: secret })).toBeVisible();
  await page.getByRole('link', { name: 'Back' }).click();
  await page.getByRole('button', { name: 'New code room' }).click();
  await expect(page).toHaveURL(/\/room\//);
  await page.getByRole('link', { name: 'Back' }).click();
  await expect(page.getByRole('list').filter({ hasText: secret })).toBeVisible();
  await check(page, 'lobby with rooms');
});

test('a chat room: messages both ways, a file, typing, the people panel, the image viewer, reconnecting, a pending and a failed send', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);
  // Alice's sockets go through the test, which can cut them (the "Reconnecting…" state) and refuse
  // her sends as the server would (a failed send).
  let networkDown = false;
  let refuseSends = false;
  const sockets: WebSocketRoute[] = [];
  await a.routeWebSocket(/\/ws(\?|$)/, (socket) => {
    if (networkDown) return void socket.close({ code: 1011, reason: 'network down' });
    const server = socket.connectToServer();
    socket.onMessage((message) => {
      const frame = JSON.parse(String(message)) as { type: string; ref?: string };
      if (refuseSends && frame.type === 'send') {
        socket.send(
          JSON.stringify({ type: 'error', ref: frame.ref, code: 'validation_failed', message: 'Refused by this test' }),
        );
      } else server.send(message);
    });
    sockets.push(socket);
  });
  await register(a, person('Alice'));
  await register(b, person('Bob'));
  const room = `Lunch ${uniqueSuffix()}`;
  await createPlainRoom(a, room);
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();

  await send(a, 'Anyone on for lunch today?');
  await send(b, 'Yes! Noon at the usual place.');
  await expect(messageItem(a, 'Noon at the usual place')).toBeVisible();
  // A picture and a file, from Bob.
  const chooser = b.waitForEvent('filechooser');
  await b.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles([
    { name: 'table.png', mimeType: 'image/png', buffer: sunset() },
    { name: 'menu.txt', mimeType: 'text/plain', buffer: Buffer.from('soup, bread') },
  ]);
  await expect(b.getByRole('list', { name: 'Files to send' }).getByText('Uploaded')).toHaveCount(2);
  await check(b, 'chat with files ready to send', { sizes: [PHONE] });
  await send(b, 'The table and the menu');
  const files = messageItem(a, 'The table and the menu');
  await expect(files.getByRole('img', { name: 'table.png' })).toBeVisible();
  await expect(messageItem(b, 'The table and the menu').getByRole('link', { name: /^menu\.txt/ })).toBeVisible();
  // Bob types: Alice sees the typing line.
  await composer(b).fill('On my way');
  await expect(a.getByText(/is typing…/)).toBeVisible();
  await expect(a.getByRole('list', { name: 'Messages' }).getByText('Today', { exact: true })).toBeVisible();
  await check(a, 'chat with messages, a file, a day separator and typing');
  await check(b, 'chat, own files', { sizes: [DESKTOP] });

  // A message too long to send: said under the field.
  await composer(a).fill('x'.repeat(5000));
  await expect(composer(a)).toHaveAttribute('aria-invalid', 'true');
  await check(a, 'chat with a composer error', { schemes: ['light'] });
  await composer(a).fill('');

  // The people panel on a phone.
  await a.setViewportSize(PHONE);
  await a.getByRole('button', { name: /^People/ }).click();
  await expect(a.locator('#people-panel')).toBeVisible();
  await check(a, 'chat with the people panel open', { sizes: [PHONE] });
  // A modal sheet: the page behind is inert, so it is closed from inside (Escape).
  await a.keyboard.press('Escape');
  await expect(a.locator('#people-panel')).toBeHidden();
  await a.setViewportSize(DESKTOP);

  // The image viewer.
  await files.getByRole('link', { name: 'table.png' }).click();
  await expect(a.getByRole('dialog', { name: 'table.png' })).toBeVisible();
  // Its top bar is opaque: the page's own header must not show through behind the picture's name.
  const bar = a.getByRole('dialog', { name: 'table.png' }).getByRole('heading', { name: 'table.png' }).locator('../..');
  const background = await bar.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).not.toMatch(/\/|rgba|transparent/);
  // The viewer is dark in either theme.
  await check(a, 'image viewer', { schemes: ['light'] });
  await a.keyboard.press('Escape');

  // The connection drops: the banner, and a message waiting to go.
  networkDown = true;
  for (const socket of sockets.splice(0)) await socket.close({ code: 1011, reason: 'network down' });
  await expect(a.getByText(/Reconnecting…/)).toBeVisible();
  await send(a, 'Sent in the tunnel');
  await expect(messageItem(a, 'Sent in the tunnel')).toContainText('Sending…');
  await check(a, 'chat while reconnecting, with a pending message');
  // Back online, the server refuses it: "Not sent", with Retry and Discard.
  refuseSends = true;
  networkDown = false;
  await expect(messageItem(a, 'Sent in the tunnel')).toContainText('Not sent', { timeout: 20_000 });
  await check(a, 'chat with a failed send');
});

test('an encrypted room: waiting for the key, the safety codes open', async ({ browser }) => {
  test.setTimeout(90_000);
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);
  const bob = person('Bob');
  await register(a, person('Alice'));
  await register(b, bob);
  const room = `Secret ${uniqueSuffix()}`;
  await a.getByLabel('Enter new room name').fill(room);
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  // Ready once the browser has made its keys (slow on a busy machine).
  await expect(a.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 15_000 });
  await send(a, 'Only for us');
  // Alice away: Bob waits for the key.
  await a.getByRole('link', { name: 'Back' }).click();
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('status').filter({ hasText: 'Waiting for a member' })).toBeVisible({ timeout: 15_000 });
  await check(b, 'encrypted room waiting for the key');

  // Alice is back: the key goes over, and each can compare safety codes.
  await a.getByRole('link', { name: new RegExp(room) }).click();
  await expect(messageItem(b, 'Only for us')).toBeVisible({ timeout: 15_000 });
  const aside = a.getByRole('complementary', { name: 'People in this room' });
  await aside.getByText(`Safety code with ${bob.name}`).click();
  await expect(aside.locator('details[open] code')).toBeVisible();
  await check(a, 'encrypted room, safety code open', { sizes: [DESKTOP] });
  await a.setViewportSize(PHONE);
  await a.getByRole('button', { name: /^People/ }).click();
  const panel = a.locator('#people-panel');
  await panel.getByText(`Safety code with ${bob.name}`).click();
  await expect(panel.locator('details[open] code')).toBeVisible();
  await check(a, 'encrypted room, people panel and safety code open', { sizes: [PHONE] });
});

test('a code room: the editor, and on a phone the chat drawer', async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await newUserPage(browser);
  expect((await page.request.post('/auth/guest', { data: { username: `coder_${uniqueSuffix()}` } })).ok()).toBe(true);
  await page.goto('/lobby');
  await page.getByRole('button', { name: 'New code room' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connection: Live' })).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('.cm-content')).toContainText('a Tandem code room.');
  await send(page, 'Pairing at two?');
  await check(page, 'code room');

  await page.setViewportSize(PHONE);
  await page.getByRole('button', { name: /^Chat/ }).click();
  await expect(page.getByRole('dialog', { name: 'Chat' })).toBeVisible();
  await check(page, 'code room with the chat drawer open', { sizes: [PHONE] });
});

test.describe('theme', () => {
  test('the switch picks light or dark, is remembered, and applies before the app runs', async ({ browser }) => {
    const page = await newUserPage(browser);
    await page.emulateMedia({ colorScheme: 'light' });
    await register(page, person('Theo'));
    const html = page.locator('html');
    const theme = page.getByLabel('Theme');
    await expect(theme).toHaveValue('system');
    await expect(html).toHaveAttribute('data-theme', 'light');
    // "System" follows the device as it changes.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await theme.selectOption('dark');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    // Remembered, and set by the theme script alone: with the app's own code blocked, the page is
    // still dark, so a reload never flashes white first.
    await page.route(/\/assets\/index-.*\.js$/, (route) => route.abort());
    await page.reload();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await page.unroute(/\/assets\/index-.*\.js$/);
    await page.reload();
    await expect(page.getByLabel('Theme')).toHaveValue('dark');

    // Light, on a device set to dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByLabel('Theme').selectOption('light');
    await expect(html).toHaveAttribute('data-theme', 'light');
    await page.getByLabel('Theme').selectOption('system');
    await expect(html).toHaveAttribute('data-theme', 'dark');

    // In a room on a wide screen, the switch is at the foot of the room list.
    await page.setViewportSize(DESKTOP);
    await createPlainRoom(page, `Themed ${uniqueSuffix()}`);
    await page.getByRole('navigation', { name: 'Rooms' }).getByLabel('Theme').selectOption('light');
    await expect(html).toHaveAttribute('data-theme', 'light');
  });

  test('reduced motion: the typing dots stand still', async ({ browser }) => {
    const a = await newUserPage(browser);
    const b = await newUserPage(browser);
    await register(a, person('Mo'));
    await register(b, person('Tion'));
    const room = `Calm ${uniqueSuffix()}`;
    await createPlainRoom(a, room);
    await b.getByLabel('Enter existing room name').fill(room);
    await b.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();
    await composer(b).fill('Typing slowly');
    await expect(a.getByText(/is typing…/)).toBeVisible();
    const dot = a.locator('.animate-bounce').first();
    // By default the dots bounce…
    await expect.poll(() => dot.evaluate((el) => getComputedStyle(el).animationName)).not.toBe('none');
    // …and not for someone who asked their device for less motion.
    await a.emulateMedia({ reducedMotion: 'reduce' });
    await expect.poll(() => dot.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
  });
});

test('the chat in the light and the dark theme, at both sizes (docs/screenshots)', async ({ browser }) => {
  test.setTimeout(120_000);
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);
  await register(a, person('Alice'));
  await register(b, person('Bob'));
  const room = `Weekend plans ${uniqueSuffix().slice(-4)}`;
  await createPlainRoom(a, room);
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await send(a, 'Who is up for a hike on Saturday?');
  await expect(messageItem(b, 'hike on Saturday')).toBeVisible();
  await send(b, 'Me! The lake trail again?');
  await send(b, 'I can drive, there is room for four.');
  const chooser = b.waitForEvent('filechooser');
  await b.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles([{ name: 'lake.png', mimeType: 'image/png', buffer: sunset() }]);
  await expect(b.getByRole('list', { name: 'Files to send' }).getByText('Uploaded')).toBeVisible();
  await send(b, 'Last time, at the top');
  await expect(messageItem(a, 'Last time, at the top').getByRole('img', { name: 'lake.png' })).toBeVisible();
  await expect
    .poll(() =>
      messageItem(a, 'Last time, at the top')
        .getByRole('img')
        .evaluate((img: HTMLImageElement) => img.naturalWidth),
    )
    .toBeGreaterThan(0);
  await send(a, 'Perfect, 8:30 at the station then.');
  await expect(messageItem(a, '8:30 at the station')).toContainText(/· seen$/);
  await composer(b).fill('See you');
  await expect(a.getByText(/is typing…/)).toBeVisible();
  await a.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await a.setViewportSize(size);
    for (const scheme of ['light', 'dark'] as const) {
      await a.emulateMedia({ colorScheme: scheme });
      await expect(a.locator('html')).toHaveAttribute('data-theme', scheme);
      // Bob is still typing (a typing notice lapses after a few quiet seconds).
      await composer(b).fill(`See you ${label} ${scheme}`);
      await expect(a.getByText(/is typing…/)).toBeVisible();
      await a.waitForTimeout(300);
      await a.screenshot({ path: docsScreenshotPath(`chat-${label}-${scheme}`) });
    }
  }
});
