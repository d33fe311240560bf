import { expect, test, type WebSocketRoute } from './fixtures';
import { composer, messageItem, newUserPage, send, uniqueSuffix } from './helpers.ts';

test('a dropped connection shows "reconnecting", recovers by itself and sends what was written meanwhile', async ({
  browser,
}) => {
  const page = await newUserPage(browser);
  // Every socket goes through the test, which can cut it and refuse new ones: a network outage.
  let networkDown = false;
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/ws/, (socket) => {
    if (networkDown) return void socket.close({ code: 1011, reason: 'network down' });
    socket.connectToServer();
    sockets.push(socket);
  });
  await page.goto('/');
  await page.getByLabel('Username').fill(`commuter_${uniqueSuffix()}`);
  await page.getByLabel('Room name').fill('Train');
  await page.getByRole('button', { name: 'Join room' }).click();
  await expect(composer(page)).toBeVisible();

  networkDown = true;
  for (const socket of sockets.splice(0)) await socket.close({ code: 1011, reason: 'network down' });
  await expect(page.getByText(/Reconnecting…/)).toBeVisible();
  await send(page, 'Sent in the tunnel');
  await expect(messageItem(page, 'Sent in the tunnel')).toContainText('Sending…');

  networkDown = false;
  await expect(page.getByText(/Reconnecting…/)).toBeHidden({ timeout: 20_000 });
  await expect(messageItem(page, 'Sent in the tunnel')).not.toContainText('Sending…');
  await page.reload();
  await expect(messageItem(page, 'Sent in the tunnel')).toHaveCount(1);
});
