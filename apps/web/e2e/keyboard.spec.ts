import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page, test } from './fixtures';
import { messageItem, newUserPage, person, register, uniqueSuffix } from './helpers.ts';
import { sunset } from './images.ts';
import { screenshotPath } from './screenshots.ts';

// Keyboard only: after each page.goto, everything is done with page.keyboard (no clicks, no
// fill), and where focus is after each step is asserted, as a keyboard user would find it.

const PHONE = { width: 390, height: 844 };

/** Presses Tab (or Shift+Tab) until `target` has focus; fails if it is not reached within `max` presses. */
async function tabTo(page: Page, target: Locator, { back = false, max = 40 } = {}): Promise<void> {
  await expect(target).toBeVisible();
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((element) => element === document.activeElement)) break;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  await expect(target).toBeFocused();
}

/**
 * axe's WCAG 2.1 A/AA rules on the page as it is (an open dialog: its structure and names).
 * Colour contrast is left to the contrast work's own axe pass over every page state.
 */
async function expectNoAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .disableRules(['color-contrast'])
    .analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** Whether focus is somewhere inside `container`. */
const focusIsIn = (container: Locator) => container.evaluate((element) => element.contains(document.activeElement));

const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name });

/** A plain room made through the API by someone else, so there is one to join by name. */
async function roomMadeByAnother(page: Page, name: string): Promise<void> {
  const other = page.context().request;
  const owner = person('Owner');
  expect((await other.post('/auth/register', { data: owner })).ok()).toBe(true);
  expect((await other.post('/rooms', { data: { name, encrypted: false } })).status()).toBe(201);
  expect((await other.post('/auth/logout')).ok()).toBe(true);
}

test('keyboard only: register, create a room, send, attach a file, view it, back to the lobby', async ({ page }) => {
  test.setTimeout(90_000);
  const me = person('Kim');
  const room = `Keys ${uniqueSuffix()}`;

  // Register: the page's heading has focus; Tab goes through the fields in order; Enter submits.
  await page.goto('/register');
  await expect(heading(page, 'Create an account')).toBeFocused();
  for (const [label, value] of [
    ['Name', me.name],
    ['Username', me.username],
    ['E-mail', me.email],
    ['Password', me.password],
  ] as const) {
    await tabTo(page, page.getByLabel(label, { exact: true }));
    await page.keyboard.type(value);
  }
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(heading(page, 'Rooms')).toBeFocused();

  // Create a plain room: the name, then the privacy choice with the arrow keys, then Create.
  await tabTo(page, page.getByRole('textbox', { name: 'Enter new room name' }));
  await page.keyboard.type(room);
  const encrypted = page.getByRole('radio', { name: 'End-to-end encrypted', exact: true });
  await tabTo(page, encrypted);
  await page.keyboard.press('ArrowDown');
  const plain = page.getByRole('radio', { name: 'Not end-to-end encrypted' });
  await expect(plain).toBeFocused();
  await expect(plain).toBeChecked();
  await tabTo(page, page.getByRole('button', { name: 'Create', exact: true }));
  await page.keyboard.press('Enter');
  await expect(heading(page, room)).toBeFocused();

  // Send a message: Enter sends, and focus stays in the message box for the next one.
  await tabTo(page, messageBox(page));
  await page.keyboard.type('Hello from the keyboard');
  await page.keyboard.press('Enter');
  await expect(messageItem(page, 'Hello from the keyboard')).toBeVisible();
  await expect(messageBox(page)).toBeFocused();
  await expect(messageBox(page)).toHaveValue('');

  // Attach a picture: Enter on the paperclip opens the browser's file chooser; focus comes back
  // to the message box, and Enter sends the message with it.
  const attach = page.getByRole('button', { name: 'Attach files' });
  await tabTo(page, attach, { back: true });
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  await (await chooser).setFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: sunset() });
  await expect(messageBox(page)).toBeFocused();
  await expect(page.getByRole('list', { name: 'Files to send' }).getByText('Uploaded')).toBeVisible();
  await page.keyboard.type('A picture');
  await page.keyboard.press('Enter');
  const sent = messageItem(page, 'A picture');
  const thumbnail = sent.getByRole('link', { name: 'sunset.png' });
  await expect(thumbnail).toBeVisible();
  await expect(messageBox(page)).toBeFocused();

  // The picture opens full size: focus on Close, Tab goes round the viewer's two controls,
  // Escape closes it and gives focus back to the thumbnail.
  await tabTo(page, thumbnail, { back: true });
  await page.keyboard.press('Enter');
  const viewer = page.getByRole('dialog', { name: 'sunset.png' });
  const close = viewer.getByRole('button', { name: 'Close' });
  await expect(close).toBeFocused();
  await expectNoAxeViolations(page);
  await page.keyboard.press('Tab');
  await expect(viewer.getByRole('link', { name: 'Download' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(close).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  await expect(close).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(viewer).toBeHidden();
  await expect(thumbnail).toBeFocused();

  // Back to the lobby, where the room is listed.
  await tabTo(page, page.getByRole('link', { name: 'Back' }), { back: true, max: 60 });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(heading(page, 'Rooms')).toBeFocused();
  await expect(page.getByRole('link', { name: new RegExp(room) })).toBeVisible();
});

test('keyboard only: sign in, join a room by its name, and the people sheet on a phone', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const me = person('Lee');
  const room = `Join by keys ${uniqueSuffix()}`;
  await roomMadeByAnother(page, room);
  expect((await context.request.post('/auth/register', { data: me })).ok()).toBe(true);
  expect((await context.request.post('/auth/logout')).ok()).toBe(true);

  // Sign in.
  await page.goto('/signin');
  await expect(heading(page, 'Sign in')).toBeFocused();
  await tabTo(page, page.getByLabel('Username or e-mail'));
  await page.keyboard.type(me.username);
  await tabTo(page, page.getByLabel('Password', { exact: true }));
  await page.keyboard.type(me.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(heading(page, 'Rooms')).toBeFocused();

  // Join the room by its name.
  await tabTo(page, page.getByRole('textbox', { name: 'Enter existing room name' }));
  await page.keyboard.type(room);
  await page.keyboard.press('Enter');
  await expect(heading(page, room)).toBeFocused();
  await expect(messageBox(page)).toBeVisible();

  // The people: a sheet over the conversation. Focus moves in (to Close), Tab goes round inside it,
  // and nothing behind can take focus; Escape closes it and focus is back on the button.
  const peopleButton = page.getByRole('button', { name: /^People,/ });
  await tabTo(page, peopleButton);
  await page.keyboard.press('Enter');
  const sheet = page.getByRole('dialog', { name: 'People in this room' });
  const close = sheet.getByRole('button', { name: 'Close' });
  await expect(close).toBeFocused();
  await expect(sheet).toContainText(me.name);
  await page.screenshot({ path: screenshotPath('keyboard-people-sheet-390x844') });
  await expectNoAxeViolations(page);
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    expect(await focusIsIn(sheet), `Tab ${i + 1} stays in the sheet`).toBe(true);
  }
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Shift+Tab');
    expect(await focusIsIn(sheet), `Shift+Tab ${i + 1} stays in the sheet`).toBe(true);
  }
  // Typing cannot reach the message box behind it.
  await page.keyboard.type('behind');
  await expect(messageBox(page)).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
  await expect(peopleButton).toBeFocused();
  await expect(peopleButton).toHaveAttribute('aria-expanded', 'false');

  // Open again and close with its Close button.
  await page.keyboard.press('Enter');
  await expect(close).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(sheet).toBeHidden();
  await expect(peopleButton).toBeFocused();

  // Back to the lobby.
  await tabTo(page, page.getByRole('link', { name: 'Back' }), { back: true });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(heading(page, 'Rooms')).toBeFocused();
  await context.close();
});

// The one pointer test here: the page behind the sheet is inert, but the dimmed strip beside it is
// not, so a tap there still closes it.
test('on a phone, a tap beside the people sheet closes it', async ({ browser }) => {
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true });
  const page = await context.newPage();
  const room = `Tap beside ${uniqueSuffix()}`;
  await roomMadeByAnother(page, room);
  expect((await context.request.post('/auth/guest', { data: { username: `tap_${uniqueSuffix()}` } })).ok()).toBe(true);
  const joined = await context.request.post('/rooms/join', { data: { name: room, create: false } });
  expect(joined.ok()).toBe(true);
  await page.goto(`/chat/${((await joined.json()) as { room: { id: string } }).room.id}`);
  const peopleButton = page.getByRole('button', { name: /^People,/ });
  await peopleButton.tap();
  const sheet = page.getByRole('dialog', { name: 'People in this room' });
  await expect(sheet).toBeVisible();
  // A strip of the conversation (at least a finger wide) stays in sight beside it.
  expect((await sheet.boundingBox())?.x ?? 0).toBeGreaterThanOrEqual(44);
  // A tap on the conversation behind does nothing but close the sheet.
  await page.touchscreen.tap(20, PHONE.height / 2);
  await expect(sheet).toBeHidden();
  await expect(peopleButton).toBeFocused();
  await context.close();
});

test('keyboard only, encrypted room on a phone: the safety code is the next control after the sheet opens', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  // The room's owner, in another browser (mouse and all: only the person on the phone is keyboard-only).
  // Her browser stays open to hand over the room's key.
  const owner = person('Ada');
  const room = `Secret keys ${uniqueSuffix()}`;
  const other = await newUserPage(browser);
  await register(other, owner);
  await other.getByLabel('Enter new room name').fill(room);
  await other.getByRole('button', { name: 'Create', exact: true }).click();
  // Ready once her browser has made the room's key (slow on a busy machine).
  await expect(other.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 20_000 });

  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const me = person('Sam');
  expect((await context.request.post('/auth/register', { data: me })).ok()).toBe(true);
  await page.goto('/lobby');
  await tabTo(page, page.getByRole('textbox', { name: 'Enter existing room name' }));
  await page.keyboard.type(room);
  await page.keyboard.press('Enter');
  await expect(heading(page, room)).toBeFocused();
  // Ready once the owner's browser has handed over the key.
  await expect(page.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 20_000 });

  // Open the people: Close, then straight away the safety code with the owner (not after Send).
  const peopleButton = page.getByRole('button', { name: /^People,/ });
  await tabTo(page, peopleButton);
  await page.keyboard.press('Enter');
  const sheet = page.getByRole('dialog', { name: 'People in this room' });
  await expect(sheet.getByRole('button', { name: 'Close' })).toBeFocused();
  const safetyCode = sheet.getByText(`Safety code with ${owner.name}`);
  await expect(safetyCode).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(sheet.locator('summary')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(sheet.locator('details[open] code')).toHaveText(/^(\d{5} ){11}\d{5}$/);
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
  await expect(peopleButton).toBeFocused();
  await context.close();
  await other.context().close();
});

test('keyboard only, code room on a phone: typing behind the chat drawer cannot edit the code', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  expect((await context.request.post('/auth/guest', { data: { username: `kbd_${uniqueSuffix()}` } })).ok()).toBe(true);
  const created = await context.request.post('/rooms', { data: { name: `Keys code ${uniqueSuffix()}`, kind: 'code' } });
  const { roomId } = (await created.json()) as { roomId: string };
  const code = async () => {
    const response = await context.request.get(`/rooms/${roomId}/code`);
    expect(response.ok()).toBe(true);
    return ((await response.json()) as { code: string }).code;
  };

  await page.goto(`/room/${roomId}`);
  await expect(page.getByRole('status').filter({ hasText: 'Connection: Live' })).toBeVisible({ timeout: 30_000 });
  const editor = page.getByRole('textbox', { name: 'Code' });
  await expect(editor).toBeVisible();
  const before = await code();

  // The steps: Tab to Chat, Enter, Shift+Tab from Close, type "OOPS".
  const chat = page.getByRole('button', { name: /^Chat/ });
  await tabTo(page, chat);
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog', { name: 'Chat' });
  const close = drawer.getByRole('button', { name: 'Close' });
  await expect(close).toBeFocused();
  await expect(drawer.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await page.keyboard.press('Shift+Tab');
  expect(await focusIsIn(drawer), 'Shift+Tab from Close stays in the drawer').toBe(true);
  await page.keyboard.type('OOPS');
  await page.screenshot({ path: screenshotPath('keyboard-code-drawer-390x844') });
  await expectNoAxeViolations(page);
  // It went nowhere, or into the drawer's own message box; never into the editor behind.
  expect(await focusIsIn(drawer)).toBe(true);
  await expect(editor).not.toContainText('OOPS');
  expect(await code()).not.toMatch(/^OOPS/);

  // Escape closes the drawer and puts focus back on Chat.
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(chat).toBeFocused();

  // The editor: Tab reaches it; it shows a focus ring and says how to leave it.
  await tabTo(page, editor);
  const hint = page.getByText('Tab indents · Esc then Tab leaves the editor');
  // (Visually hidden text counts as visible to Playwright: its width says whether it is on screen.)
  const hintWidth = () => hint.evaluate((element) => element.getBoundingClientRect().width);
  await expect.poll(hintWidth).toBeGreaterThan(100);
  await page.screenshot({ path: screenshotPath('keyboard-code-editor-focus-390x844') });
  await expect(editor).toHaveAccessibleDescription('Tab indents · Esc then Tab leaves the editor');
  const ring = await page.getByTestId('code-editor-focus-ring').evaluate((element) => {
    const style = getComputedStyle(element);
    // The colour as sRGB bytes, whatever CSS colour space it was given in (Tailwind uses oklch).
    const canvas = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
    canvas.fillStyle = style.outlineColor;
    canvas.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0] = canvas.getImageData(0, 0, 1, 1).data;
    return { display: style.display, style: style.outlineStyle, width: style.outlineWidth, rgb: [r, g, b] as const };
  });
  expect(ring.display).toBe('block');
  expect(ring.style).toBe('solid');
  expect(Number.parseFloat(ring.width)).toBeGreaterThanOrEqual(2);
  // Against the editor's white background (WCAG 1.4.11: at least 3:1).
  expect(contrastWithWhite(ring.rgb)).toBeGreaterThanOrEqual(3);

  // What is typed in the editor does reach the server (so the check above could have failed)…
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('# keys ');
  await expect.poll(code).toBe(`# keys ${before}`);
  // …and the OOPS never did.
  expect(await code()).not.toContain('OOPS');

  // Tab stays in the editor (it indents, or takes a suggestion if one has come up).
  await page.keyboard.press('Tab');
  await expect(editor).toBeFocused();
  // With a suggestion on screen, Escape dismisses it, and Escape then Tab still leaves the editor.
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('def greet(name');
  const ghost = page.locator('.cm-ghostText');
  await expect(ghost).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(ghost).toHaveCount(0);
  await page.keyboard.press('Tab');
  await expect(editor).not.toBeFocused();
  await expect.poll(hintWidth).toBeLessThanOrEqual(1);
  await expect(page.getByTestId('code-editor-focus-ring')).toBeHidden();
  await expect.poll(code).toMatch(/def greet\(name$/);

  // Back to the lobby.
  await tabTo(page, page.getByRole('link', { name: 'Back' }), { back: true });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(heading(page, 'Rooms')).toBeFocused();
  await context.close();
});

/** WCAG contrast ratio of an sRGB colour against white. */
function contrastWithWhite([r, g, b]: readonly [number, number, number]): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  return 1.05 / (luminance + 0.05);
}
