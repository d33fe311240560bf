import { expect, test } from './fixtures';
import { messageItem, newUserPage, person, register, send, uniqueSuffix } from './helpers.ts';

test('a guest joins by username and room name, stays signed in, and keeps its history on registering', async ({
  browser,
}) => {
  const page = await newUserPage(browser);
  const username = `guest_${uniqueSuffix()}`;
  const room = 'Lunch crew';
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Room name').fill(room);
  await page.getByRole('button', { name: 'Join room' }).click();
  await expect(page).toHaveURL(/\/chat\//);
  await expect(page.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await send(page, 'Hello from a guest');
  await expect(messageItem(page, 'Hello from a guest')).toBeVisible();
  await expect(messageItem(page, 'Hello from a guest')).not.toContainText('Sending');

  // The guest stays signed in across a refresh, and the join page no longer asks for a name.
  await page.reload();
  await expect(messageItem(page, 'Hello from a guest')).toBeVisible();
  await page.goto('/');
  await expect(page.getByLabel('Username')).toHaveCount(0);
  await expect(page.getByText(`You are signed in as ${username}.`)).toBeVisible();

  // Registering from the guest session keeps the guest's rooms and messages.
  await page.goto('/lobby');
  await page.getByRole('link', { name: 'Register' }).click();
  await expect(page.getByLabel('Username')).toHaveValue(username);
  await page.getByLabel('Name', { exact: true }).fill('Sam Guest');
  await page.getByLabel('E-mail').fill(`${username}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/lobby$/);
  await expect(page.getByText('Sam Guest')).toBeVisible();
  await page.getByRole('link', { name: /^Lunch crew/ }).click();
  await expect(messageItem(page, 'Hello from a guest')).toContainText('You:');
});

test('joining an unknown room by name shows the server’s message', async ({ browser }) => {
  const page = await newUserPage(browser);
  await register(page, person('Carol'));
  const name = `Nowhere ${uniqueSuffix()}`;
  await page.getByLabel('Enter existing room name').fill(name);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('region', { name: 'or join room' }).getByRole('alert')).toHaveText(
    `No room is named "${name}".`,
  );
  await expect(page).toHaveURL(/\/lobby$/);
});
