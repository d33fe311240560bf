import { expect, type Page, test } from './fixtures';
import { composer, messageItem, newUserPage, person, register, send, signIn, signOut } from './helpers.ts';
import { screenshot } from './screenshots.ts';

/** A message reached the other browser with the right sender, and the time it was sent in local form. */
async function expectMessage(page: Page, body: string, sender: string) {
  const item = messageItem(page, body);
  // "Instantly" (seed 003): delivery latency is measured by `npm run bench` (p99 in ms); here a
  // loaded 2-core CI machine gets the default 5 s.
  await expect(item).toBeVisible();
  await expect(item).toContainText(sender);
  const time = item.locator('time');
  const sentAt = Date.parse((await time.getAttribute('datetime')) ?? '');
  expect(Math.abs(Date.now() - sentAt)).toBeLessThan(30_000);
  const local = await page.evaluate(
    (iso) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso)),
    new Date(sentAt).toISOString(),
  );
  await expect(time).toHaveText(local);
}

test('two people chat in real time in two browsers', async ({ browser }) => {
  // Four sign-ins, a sign-out, two rooms and many round trips in two browsers: about 20 s alone,
  // more than the default 30 s when the axe spec runs beside it on a two-core CI machine.
  test.setTimeout(60_000);
  const alice = person('Alice');
  const bob = person('Bob');
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);

  // Seed 003: two accounts, each signed in in its own browser.
  await register(a, alice);
  await signOut(a);
  await signIn(a, alice);
  await register(b, bob);
  await signOut(b);
  await signIn(b, bob);

  // Alice creates the room (end-to-end encrypted, the form's default, as on the phone); Bob joins
  // it by name. Each run has a fresh database, and no other test makes this room.
  const room = 'Team Unicorns';
  await a.getByLabel('Enter new room name').fill(room);
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(a.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(a.getByText(`${bob.name} joined`)).toBeVisible();
  // Alice's browser, online, hands Bob the room key by itself: then both can read and write.
  for (const page of [a, b]) await expect(page.getByRole('banner')).toContainText('End-to-end encrypted');
  await expect(b.getByRole('button', { name: 'Copy invite link' })).toBeVisible({ timeout: 15_000 });

  // Both ways, each within a second, with the right sender and time.
  await send(a, 'Anyone on for lunch today');
  await expectMessage(b, 'Anyone on for lunch today', alice.name);
  // Bob has the room open, so Alice's message shows as "seen" (seed 000's word, lower case).
  await expect(messageItem(a, 'Anyone on for lunch today')).toContainText(/· seen$/);

  // Typing shows up on the other side and goes away when the field is cleared.
  await composer(b).fill('Let me');
  await expect(a.getByText(`${bob.name} is typing…`)).toBeVisible();
  await composer(b).fill('');
  await expect(a.getByText(`${bob.name} is typing…`)).toBeHidden();

  await send(b, 'Let me know');
  await expectMessage(a, 'Let me know', bob.name);
  await expect(messageItem(b, 'Let me know')).toContainText(/· seen$/);

  // A refresh keeps each signed in, in the room, with the history.
  for (const page of [a, b]) {
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: room })).toBeVisible();
    // The room key comes back from the browser's own store and the history is decrypted.
    await expect(messageItem(page, 'Anyone on for lunch today')).toBeVisible({ timeout: 15_000 });
    await expect(messageItem(page, 'Let me know')).toBeVisible();
  }
  await send(a, 'Great, see you at noon!');
  await expectMessage(b, 'Great, see you at noon!', alice.name);
  // …and a reopened tab: the session cookie is still there.
  const reopened = await a.context().newPage();
  await reopened.goto('/lobby');
  await expect(reopened.getByText(alice.name)).toBeVisible();
  await reopened.close();

  await screenshot(a, 'chat');

  // Back on the rooms page, Alice's list follows the room live: Bob's next message is unread.
  await a.getByRole('link', { name: 'Back' }).click();
  const row = a.getByRole('link', { name: new RegExp(`^${room}`) });
  await expect(row).toContainText('3 messages');
  await expect(row).toContainText('1 online');
  await send(b, 'One more thing: bring cash');
  await expect(row).toContainText('4 messages');
  await expect(row).toContainText('1 unread');
  await screenshot(a, 'rooms');
});
