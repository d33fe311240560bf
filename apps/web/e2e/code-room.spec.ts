import { expect, type Locator, type Page, test } from './fixtures';
import { composer, messageItem, newUserPage, send, uniqueSuffix } from './helpers.ts';
import { screenshot, screenshotPath } from './screenshots.ts';

const editor = (page: Page) => page.locator('.cm-content');
/** Someone else's caret in the editor (the bar; its name shows for a moment after they move). */
const caretOf = (page: Page, name: string) => page.locator('.cm-ySelectionCaret', { hasText: name });
/** The name label on someone else's caret. */
const remoteCaret = (page: Page, name: string) => page.locator('.cm-ySelectionInfo', { hasText: name });
const ghost = (page: Page) => page.locator('.cm-ghostText');
const live = (page: Page, timeout = 15_000) =>
  expect(page.getByRole('status').filter({ hasText: 'Connection: Live' })).toBeVisible({ timeout });

/** Puts the cursor at the very end of the shared document. */
async function toEnd(page: Page) {
  await editor(page).click();
  await page.keyboard.press('Control+End');
}

test('two people pair in a code room: live edits, named cursors, ghost suggestions, chat', async ({ browser }) => {
  // Short names (the run's database is fresh; the suffix keeps them apart within it): they are
  // what the screenshots show on cursors and in the people list.
  const alice = `alice_${uniqueSuffix().slice(-4)}`;
  const bob = `bob_${uniqueSuffix().slice(-4)}`;
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);

  // Alice (a guest) makes a code room from the rooms page and lands on its link.
  expect((await a.request.post('/auth/guest', { data: { username: alice } })).ok()).toBe(true);
  await a.goto('/lobby');
  await a.getByRole('button', { name: 'New code room' }).click();
  await expect(a).toHaveURL(/\/room\/[\w-]+$/);
  await live(a);
  // The server seeded the text; the client added nothing.
  await expect(editor(a)).toContainText('a Tandem code room.');
  const link = a.url();

  // Bob opens the link with no session: he is asked for a name, and lands in the same room.
  await b.goto(link);
  await expect(b.getByRole('heading', { level: 1, name: 'Join the code room' })).toBeVisible();
  await b.getByLabel('Your name').fill(bob);
  await b.getByRole('button', { name: 'Join as guest' }).click();
  await expect(b).toHaveURL(link);
  await live(b);
  for (const page of [a, b]) {
    const here = page.getByRole('list', { name: 'Here now' });
    await expect(here).toContainText(alice);
    await expect(here).toContainText(bob);
  }

  // Alice types; Bob sees it within a second, and her caret with her name on it.
  let aliceAsked = 0;
  a.on('request', (request) => {
    if (request.url().endsWith('/autocomplete')) aliceAsked += 1;
  });
  await toEnd(a);
  await a.keyboard.type('# Alice was here');
  await expect(editor(b)).toContainText('# Alice was here');
  await expect(caretOf(b, alice)).toBeVisible();
  // Her own pause asks for a suggestion once; Bob's typing below never makes her browser ask.
  await expect.poll(() => aliceAsked).toBe(1);

  // Bob starts a function on a new line; after a pause the mocked AI suggests the rest, shown
  // only to him, greyed, and not in the shared text.
  await toEnd(b);
  await b.keyboard.press('Enter');
  await b.keyboard.type('def greet(name');
  await expect(editor(a)).toContainText('def greet(name');
  await expect(caretOf(a, bob)).toBeVisible();
  await expect(ghost(b)).toHaveText('):\n    pass', { useInnerText: true });
  await expect(editor(a)).not.toContainText('pass');

  // Tab takes it: it becomes Bob's edit, and Alice gets it.
  await b.keyboard.press('Tab');
  await expect(ghost(b)).toHaveCount(0);
  await expect(editor(a)).toContainText('def greet(name):');
  await expect(editor(a)).toContainText('    pass');
  expect(aliceAsked).toBe(1);

  // The room's chat sits beside the editor on a wide screen.
  await send(a, 'Nice, now let us print the greeting');
  await expect(messageItem(b, 'Nice, now let us print the greeting')).toBeVisible();

  // Another suggestion, left on screen for the screenshots: Alice's caret is there too, with her
  // name on it as she has just moved it (the name shows for a moment after each move).
  await b.keyboard.press('Enter');
  await b.keyboard.type('for i in range(3');
  await expect(ghost(b)).toHaveText('):\n        pass', { useInnerText: true });
  await expect(composer(b)).toBeVisible();
  await a.locator('.cm-line', { hasText: '# Alice was here' }).click({ position: { x: 1, y: 5 } });
  await expect(remoteCaret(b, alice)).toBeVisible();
  await screenshot(b, 'code');

  // The language is the room's: Alice switches it, Bob's editor follows.
  await a.getByLabel('Language').selectOption('TypeScript');
  await expect(b.getByLabel('Language')).toHaveValue('typescript');
});

type Box = { x: number; y: number; width: number; height: number };
const PHONE = { width: 390, height: 844 };

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`no box for ${locator}`);
  return box;
}
const inside = (box: Box, view: typeof PHONE) =>
  box.x >= 0 && box.y >= 0 && box.x + box.width <= view.width + 0.5 && box.y + box.height <= view.height + 0.5;
const overlap = (p: Box, q: Box) =>
  p.x < q.x + q.width - 0.5 && q.x < p.x + p.width - 0.5 && p.y < q.y + q.height - 0.5 && q.y < p.y + p.height - 0.5;

test('on a phone (390×844): the header and the people fit, and a caret’s name does not hide the code above', async ({
  browser,
}) => {
  // Four browsers at once: slow on a small machine.
  test.setTimeout(240_000);
  const tag = uniqueSuffix().slice(-4);
  const people = ['ada', 'grace', 'linus', 'margaret'].map((first) => `${first}_${tag}`);
  // Ada is on the phone being checked; Grace types.
  const grace = `grace_${tag}`;
  const pages: Page[] = [];
  for (const name of people) {
    const page = await (await browser.newContext({ viewport: PHONE })).newPage();
    expect((await page.request.post('/auth/guest', { data: { username: name } })).ok()).toBe(true);
    pages.push(page);
  }
  const [a, b] = pages as [Page, Page];
  // A long name, as people give them.
  const roomName = `Payments refactor pairing before the Friday release ${tag}`;
  const created = await a.request.post('/rooms', { data: { name: roomName, kind: 'code' } });
  const { roomId } = (await created.json()) as { roomId: string };
  // Four browsers opening an editor at once: give them time on a busy machine.
  for (const page of pages) await page.goto(`/room/${roomId}`);
  for (const page of pages) await live(page, 60_000);
  const here = a.getByRole('list', { name: 'Here now' });
  for (const name of people) await expect(here).toContainText(name);

  // Four people on a phone: two drawn, the rest a "+2" that lists everyone.
  const more = a.getByRole('button', { name: /^\+2 more/ });
  await expect(more).toBeVisible();
  const heading = a.getByRole('heading', { level: 1 });
  // The name may be cut short on screen; the whole of it is its title (and read out in full).
  await expect(heading).toHaveAttribute('title', roomName);
  await expect(heading).toHaveText(roomName);

  // By their boxes: the name, each person drawn, "+2" and the toolbar's controls are all inside
  // the screen, and none lies over another.
  const drawn = here.locator('li:not(.sr-only)');
  await expect(drawn).toHaveCount(2);
  const presence = [...(await drawn.all()), more];
  const controls = [
    a.getByRole('link', { name: 'Back' }),
    a.getByRole('button', { name: /^Chat/ }),
    a.getByLabel('Language'),
    a.getByRole('button', { name: /Copy link/ }),
    a.getByRole('status').filter({ hasText: 'Connection: Live' }),
  ];
  const headingBox = await boxOf(heading);
  expect(inside(headingBox, PHONE), 'the room name lies inside the screen').toBe(true);
  const boxes: Array<[string, Box]> = [['heading', headingBox]];
  for (const [i, element] of [...presence, ...controls].entries()) {
    const box = await boxOf(element);
    expect(inside(box, PHONE), `element ${i} of the header lies inside the screen`).toBe(true);
    boxes.push([String(element), box]);
  }
  for (const [i, [nameP, p]] of boxes.entries()) {
    for (const [nameQ, q] of boxes.slice(i + 1)) expect(overlap(p, q), `${nameP} overlaps ${nameQ}`).toBe(false);
  }
  expect(await a.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  // Nothing in the people list is scrolled out of sight either.
  expect(await here.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);

  // "+2" lists everyone; Escape closes it and gives the focus back.
  await more.click();
  const everyone = a.getByRole('list', { name: 'Everyone here' });
  for (const name of people) await expect(everyone).toContainText(name);
  expect(inside(await boxOf(everyone), PHONE)).toBe(true);
  await a.screenshot({ path: screenshotPath('code-room-people-390x844') });
  await a.keyboard.press('Escape');
  await expect(everyone).toBeHidden();
  await expect(more).toBeFocused();

  // Grace adds two lines. Ada's page notes each caret name it shows, and where (a watcher rather
  // than a look, so a slow machine cannot miss the moment it is shown).
  await a.evaluate(() => {
    const shown: Record<string, { x: number; y: number; width: number; height: number }> = {};
    Object.assign(window, { caretNamesShown: shown });
    const look = () => {
      for (const info of document.querySelectorAll<HTMLElement>('.cm-ySelectionInfo')) {
        if (getComputedStyle(info).visibility !== 'visible') continue;
        const { x, y, width, height } = info.getBoundingClientRect();
        shown[info.textContent ?? ''] = { x, y, width, height };
      }
    };
    new MutationObserver(look).observe(document.querySelector('.cm-content') as Node, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['class'],
    });
  });
  await toEnd(b);
  await b.keyboard.type('\nprices = [3, 4, 5]\ntotal = 0');
  await expect(editor(a)).toContainText('total = 0', { timeout: 5000 });
  // Ada saw her name on the caret as she typed…
  const shownAt = () =>
    a.evaluate(
      (name) => (window as unknown as { caretNamesShown: Record<string, Box> }).caretNamesShown[name] ?? null,
      grace,
    );
  await expect.poll(shownAt).not.toBeNull();
  const labelBox = (await shownAt()) as Box;
  // …then the name goes (the caret stays), and what it covered is the code of the line above again.
  const label = remoteCaret(a, grace);
  await expect(label).toBeHidden({ timeout: 6000 });
  await expect(caretOf(a, grace)).toBeVisible();
  const atLabel = await a.evaluate(
    ({ x, y }) => document.elementFromPoint(x, y)?.closest('.cm-line, .cm-ySelectionInfo')?.className ?? '',
    { x: labelBox.x + Math.min(labelBox.width / 2, 20), y: labelBox.y + labelBox.height / 2 },
  );
  expect(atLabel).toBe('cm-line');
  // Pointing at the caret shows whose it is.
  await caretOf(a, grace).hover();
  await expect(label).toBeVisible();
  await a.mouse.move(5, PHONE.height - 5);
  await expect(label).toBeHidden();

  await screenshot(a, 'code-room');
});
