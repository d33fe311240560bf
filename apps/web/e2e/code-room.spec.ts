import { expect, type Page, test } from '@playwright/test';
import { composer, messageItem, newUserPage, send, uniqueSuffix } from './helpers.ts';
import { screenshot } from './screenshots.ts';

const editor = (page: Page) => page.locator('.cm-content');
/** The name label on someone else's caret (y-codemirror's remote cursor). */
const remoteCaret = (page: Page, name: string) => page.locator('.cm-ySelectionInfo', { hasText: name });
const ghost = (page: Page) => page.locator('.cm-ghostText');
const live = (page: Page) => expect(page.getByRole('status').filter({ hasText: 'Connection: Live' })).toBeVisible();

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
  await expect(editor(b)).toContainText('# Alice was here', { timeout: 1000 });
  await expect(remoteCaret(b, alice)).toBeVisible();
  // Her own pause asks for a suggestion once; Bob's typing below never makes her browser ask.
  await expect.poll(() => aliceAsked).toBe(1);

  // Bob starts a function on a new line; after a pause the mocked AI suggests the rest, shown
  // only to him, greyed, and not in the shared text.
  await toEnd(b);
  await b.keyboard.press('Enter');
  await b.keyboard.type('def greet(name');
  await expect(editor(a)).toContainText('def greet(name', { timeout: 1000 });
  await expect(remoteCaret(a, bob)).toBeVisible();
  await expect(ghost(b)).toHaveText('):\n    pass', { useInnerText: true });
  await expect(editor(a)).not.toContainText('pass');

  // Tab takes it: it becomes Bob's edit, and Alice gets it.
  await b.keyboard.press('Tab');
  await expect(ghost(b)).toHaveCount(0);
  await expect(editor(a)).toContainText('def greet(name):', { timeout: 1000 });
  await expect(editor(a)).toContainText('    pass', { timeout: 1000 });
  expect(aliceAsked).toBe(1);

  // The room's chat sits beside the editor on a wide screen.
  await send(a, 'Nice, now let us print the greeting');
  await expect(messageItem(b, 'Nice, now let us print the greeting')).toBeVisible({ timeout: 1000 });

  // Another suggestion, left on screen for the screenshots: Alice's named caret is there too.
  await b.keyboard.press('Enter');
  await b.keyboard.type('for i in range(3');
  await expect(ghost(b)).toHaveText('):\n        pass', { useInnerText: true });
  await expect(composer(b)).toBeVisible();
  await screenshot(b, 'code');

  // The language is the room's: Alice switches it, Bob's editor follows.
  await a.getByLabel('Language').selectOption('TypeScript');
  await expect(b.getByLabel('Language')).toHaveValue('typescript', { timeout: 1000 });
});
