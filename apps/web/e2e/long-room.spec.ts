import { expectNoViolations } from './axe.ts';
import { expect, type Page, test } from './fixtures';
import { composer, messageItem, messageList, newUserPage, uniqueSuffix } from './helpers.ts';
import { screenshotPath } from './screenshots.ts';

/** Posts over REST as the page's user, waiting out the per-user send budget (429 + Retry-After). */
async function post(page: Page, roomId: string, body: string): Promise<void> {
  for (;;) {
    const res = await page.request.post(`/rooms/${roomId}/messages`, {
      data: { clientMessageId: `m-${uniqueSuffix()}`, body },
    });
    if (res.status() !== 429) {
      expect(res.ok()).toBe(true);
      return;
    }
    await page.waitForTimeout(Number(res.headers()['retry-after'] ?? '1') * 1000);
  }
}

/** axe (WCAG 2.1 AA) on the page as it is, in the dark theme and the light one. */
async function axeInBothThemes(page: Page, state: string): Promise<void> {
  for (const scheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    await expectNoViolations(page, `${state} (${scheme})`);
  }
}

const conversation = (page: Page) => page.getByRole('region', { name: 'Conversation' });
const scrollTop = (page: Page) => conversation(page).evaluate((el) => el.scrollTop);
const atBottom = (page: Page) =>
  conversation(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 2);

test('a long room loads older history in pages of 100, and follows new messages as a chat does', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const page = await newUserPage(browser);
  const name = `Long ${uniqueSuffix()}`;
  const joined = await page.request.post('/rooms/join', { data: { name, username: `reader_${uniqueSuffix()}` } });
  const roomId = ((await joined.json()) as { room: { id: string } }).room.id;
  for (let n = 1; n <= 130; n++) await post(page, roomId, `Line ${String(n).padStart(3, '0')}`);

  const pages: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/messages?before=')) pages.push(request.url());
  });
  await page.goto(`/chat/${roomId}`);
  await expect(messageItem(page, 'Line 130')).toBeVisible();
  // The join brings the newest 50 (and a day line).
  await expect(messageList(page).getByRole('listitem')).toHaveCount(51);
  await expect.poll(() => atBottom(page)).toBe(true);

  // All older history in one page of 100 (the API's most): 131 rows.
  await conversation(page).evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(messageList(page).getByRole('listitem')).toHaveCount(131);
  expect(pages).toHaveLength(1);
  expect(new URL(pages[0] as string).searchParams.get('limit')).toBe('100');
  await expect(page.getByRole('button', { name: /earlier messages/ })).toHaveCount(0);

  // Someone else writes while you read far up: you stay where you are.
  const other = await newUserPage(browser);
  await other.request.post('/rooms/join', { data: { name, username: `writer_${uniqueSuffix()}` } });
  const before = await scrollTop(page);
  await post(other, roomId, 'A new one from the writer');
  await expect(messageList(page).getByRole('listitem')).toHaveCount(132);
  expect(Math.abs((await scrollTop(page)) - before)).toBeLessThan(2);

  // Your own message brings you to the bottom, where the next one from someone else is followed.
  await composer(page).fill('Catching up now');
  await composer(page).press('Enter');
  await expect(messageItem(page, 'Catching up now')).toBeVisible();
  await expect.poll(() => atBottom(page)).toBe(true);
  await post(other, roomId, 'Welcome back');
  await expect(messageItem(page, 'Welcome back')).toBeVisible();
  await expect.poll(() => atBottom(page)).toBe(true);
});

test('the message field grows with its text up to a few lines, and shrinks back once sent', async ({ browser }) => {
  const page = await newUserPage(browser);
  const joined = await page.request.post('/rooms/join', {
    data: { name: `Field ${uniqueSuffix()}`, username: `writer_${uniqueSuffix()}` },
  });
  const roomId = ((await joined.json()) as { room: { id: string } }).room.id;
  await page.goto(`/chat/${roomId}`);
  const field = composer(page);
  const height = async () => (await field.boundingBox())?.height ?? 0;
  const oneLine = await height();
  await field.fill('one\ntwo\nthree');
  await expect.poll(height).toBeGreaterThan(oneLine + 40);
  await field.fill(Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n'));
  // At most 10rem (160 px), then it scrolls.
  await expect.poll(height).toBe(160);
  await field.press('Enter');
  await expect(messageItem(page, 'line 19')).toBeVisible();
  await expect.poll(height).toBe(oneLine);
});

test('a run of messages by one person shows one time, under its last; the others on hover', async ({ browser }) => {
  const page = await newUserPage(browser);
  const joined = await page.request.post('/rooms/join', {
    data: { name: `Run ${uniqueSuffix()}`, username: `runner_${uniqueSuffix()}` },
  });
  const roomId = ((await joined.json()) as { room: { id: string } }).room.id;
  for (const body of ['First of three', 'Second of three', 'Third of three']) await post(page, roomId, body);
  await page.goto(`/chat/${roomId}`);
  // The line holding the time (opacity is not inherited: it is set there).
  const timeOf = (body: string) => messageItem(page, body).locator('time').locator('..');
  await expect(timeOf('Third of three')).toBeVisible();
  await expect(timeOf('Third of three')).toHaveCSS('opacity', '1');
  // Still there for screen readers ("You: First of three, 2:13 PM"), shown only on hover.
  await expect(timeOf('First of three')).toHaveCSS('opacity', '0');
  await expect(timeOf('Second of three')).toHaveCSS('opacity', '0');
  await messageItem(page, 'First of three').getByText('First of three').hover();
  await expect(timeOf('First of three')).toHaveCSS('opacity', '1');
});

test('in a long room only a window of rows is in the page; a line marks where the unread start; "Jump to latest" counts what came while you read up', async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const name = `Window ${uniqueSuffix()}`;
  const writer = await newUserPage(browser);
  const joinedWriter = await writer.request.post('/rooms/join', {
    data: { name, username: `writer_${uniqueSuffix()}` },
  });
  const roomId = ((await joinedWriter.json()) as { room: { id: string } }).room.id;
  for (let n = 1; n <= 290; n++) await post(writer, roomId, `Line ${String(n).padStart(3, '0')}`);

  // The reader reads up to Line 290 and leaves; ten more come while they are away.
  const page = await newUserPage(browser);
  await page.request.post('/rooms/join', { data: { name, username: `reader_${uniqueSuffix()}` } });
  await page.goto(`/chat/${roomId}`);
  await expect(messageItem(page, 'Line 290')).toBeVisible();
  await page.waitForTimeout(1500); // the read mark goes out after a short pause
  await page.goto('/lobby');
  for (let n = 291; n <= 300; n++) await post(writer, roomId, `Line ${n}`);

  await page.goto(`/chat/${roomId}`);
  await expect(messageItem(page, 'Line 300')).toBeVisible();
  // Once, before the first of the ten, and nowhere else.
  await expect(page.getByText('New messages', { exact: true })).toHaveCount(1);
  await expect(messageItem(page, 'Line 291').getByText('New messages', { exact: true })).toBeVisible();
  await page.screenshot({ path: screenshotPath('long-room-new-messages') });
  await axeInBothThemes(page, 'the "New messages" line');
  await expect(page.getByRole('button', { name: /Jump to latest/ })).toHaveCount(0);

  // Up to the oldest, a screenful at a time: every step keeps what was in sight exactly where it was.
  const rows = messageList(page).getByRole('listitem');
  let steps = 0;
  while ((await messageItem(page, 'Line 001').count()) === 0 && steps++ < 200) {
    const moved = await conversation(page).evaluate(async (el) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight * 0.9);
      const top = el.getBoundingClientRect().top;
      const rowsNow = [...(el.querySelector('ol')?.children ?? [])] as HTMLElement[];
      // The first message in sight (a day's line stays at the top of that day's messages).
      const first = rowsNow.find(
        (row) => !row.dataset.key?.startsWith('day-') && row.getBoundingClientRect().bottom > top + 40,
      );
      const before = first ? first.getBoundingClientRect().bottom : 0;
      await frame();
      await frame();
      await frame();
      return first?.isConnected ? Math.abs(first.getBoundingClientRect().bottom - before) : 0;
    });
    expect(moved).toBeLessThan(2);
    // Older history coming from the server between the steps.
    await page.waitForFunction(() => !document.body.textContent?.includes('Loading earlier messages'));
  }
  await expect(messageItem(page, 'Line 001')).toBeAttached();
  await expect(page.getByRole('button', { name: /earlier messages/ })).toHaveCount(0);
  // 300 messages loaded, a few hundred elements: the newest are not in the page up here.
  expect(await rows.count()).toBeLessThanOrEqual(200);
  await expect(messageItem(page, 'Line 300')).toHaveCount(0);
  expect(await page.evaluate(() => document.getElementsByTagName('*').length)).toBeLessThan(2500);

  // Something new while you read the oldest: a button says so, and takes you there.
  const jump = page.getByRole('button', { name: /Jump to latest/ });
  await expect(jump).toHaveText(/^↓?\s*Jump to latest$/);
  await post(writer, roomId, 'Fresh news');
  await post(writer, roomId, 'And more news');
  await expect(jump).toHaveText(/2 new messages · Jump to latest/);
  await page.screenshot({ path: screenshotPath('long-room-jump-to-latest') });
  await axeInBothThemes(page, '"Jump to latest" with a count');
  await expect(messageItem(page, 'Line 001')).toBeVisible();
  await jump.focus();
  await page.keyboard.press('Enter');
  await expect(messageItem(page, 'And more news')).toBeVisible();
  await expect.poll(() => atBottom(page)).toBe(true);
  await expect(jump).toHaveCount(0);
  await expect(conversation(page)).toBeFocused();
  expect(await rows.count()).toBeLessThanOrEqual(200);

  // At the latest again, new messages are followed and no button comes.
  await post(writer, roomId, 'Following along');
  await expect(messageItem(page, 'Following along')).toBeVisible();
  await expect.poll(() => atBottom(page)).toBe(true);
  await expect(jump).toHaveCount(0);
});
