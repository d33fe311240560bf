import { expect, test } from './fixtures';
import { messageItem, messageList, newUserPage, uniqueSuffix } from './helpers.ts';

test('older history loads on scroll-up without moving what you are reading', async ({ browser }) => {
  const page = await newUserPage(browser);
  // A guest session for this browser, and 70 messages posted over REST.
  const joinedRoom = await page.request.post('/rooms/join', {
    data: { name: `History ${uniqueSuffix()}`, username: `reader_${uniqueSuffix()}` },
  });
  const roomId = ((await joinedRoom.json()) as { room: { id: string } }).room.id;
  for (let n = 1; n <= 70; n++) {
    const body = `Line ${String(n).padStart(3, '0')}`;
    // The per-user send budget (a burst of 40, then 20 a second) answers 429 with Retry-After:
    // wait as told and send the same message again.
    for (;;) {
      const res = await page.request.post(`/rooms/${roomId}/messages`, {
        data: { clientMessageId: `line-${n}`, body },
      });
      if (res.status() !== 429) {
        expect(res.ok()).toBe(true);
        break;
      }
      await page.waitForTimeout(Number(res.headers()['retry-after'] ?? '1') * 1000);
    }
  }

  // Hold the history page until the position before it has been measured.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/rooms/*/messages?before=*', async (route) => {
    await held;
    await route.continue();
  });

  await page.goto(`/chat/${roomId}`);
  await expect(messageItem(page, 'Line 070')).toBeVisible();
  await expect(messageItem(page, 'Line 020')).toHaveCount(0);
  await messageList(page).evaluate((list) => {
    const scroller = list.closest('.overflow-y-auto');
    if (scroller) scroller.scrollTop = 0;
  });
  await expect(page.getByRole('button', { name: 'Loading earlier messages…' })).toBeVisible();
  const before = await messageItem(page, 'Line 021').boundingBox();
  release();
  await expect(messageItem(page, 'Line 001')).toBeAttached();
  const after = await messageItem(page, 'Line 021').boundingBox();
  // Its bottom edge: the gap above it shrinks once Line 020 from the same sender joins its run.
  const bottom = (box: typeof before) => (box ? box.y + box.height : Number.NaN);
  expect(Math.abs(bottom(after) - bottom(before))).toBeLessThan(2);
});
