import { expect, test } from './fixtures';
import { newUserPage, person, register } from './helpers.ts';

test('on a phone the lobby shows who you are, a way to sign out, and your rooms before the forms', async ({
  browser,
}) => {
  const page = await newUserPage(browser);
  await page.setViewportSize({ width: 390, height: 844 });
  const who = person('Pia');
  await register(page, who);
  await expect(page.getByRole('banner').getByText(who.name)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  const rooms = await page.getByRole('heading', { name: 'All rooms' }).boundingBox();
  const create = await page.getByRole('heading', { name: 'Create Room' }).boundingBox();
  expect(rooms && create && rooms.y < create.y, 'the room list comes first').toBe(true);
  // The order in the page (tab and reading order) is the same: the list, then the first field.
  const field = await page.getByLabel('Enter new room name').elementHandle();
  const order = await page
    .getByRole('heading', { name: 'All rooms' })
    .evaluate((list, input) => list.compareDocumentPosition(input as Node) & Node.DOCUMENT_POSITION_FOLLOWING, field);
  expect(order).toBeTruthy();
});

test('the sign-in and register cards start at the same place, so moving between them does not jump', async ({
  page,
}) => {
  const top = async () => {
    const brand = await page.getByRole('link', { name: 'Tandem' }).boundingBox();
    const card = await page.getByRole('main').boundingBox();
    return [Math.round(brand?.y ?? -1), Math.round(card?.y ?? -1)];
  };
  await page.goto('/signin');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const signIn = await top();
  await page.getByRole('link', { name: /create an account/i }).click();
  await expect(page).toHaveURL(/\/register$/);
  expect(await top()).toEqual(signIn);
});
