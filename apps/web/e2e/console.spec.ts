import { type Browser, expect, type Page, test } from './fixtures';

/**
 * A signed-out visit is a normal state, not an error: `GET /auth/me` answers 200 `{"user": null}`,
 * so the browser's console stays clean (a 401 there would be logged in red on every page load).
 */
async function watch(browser: Browser, cookie?: string) {
  const context = await browser.newContext();
  if (cookie) {
    const { baseURL } = test.info().project.use;
    await context.addCookies([{ name: 'tandem_session', value: cookie, url: baseURL as string }]);
  }
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const failed: string[] = [];
  const me: Array<{ status: number; body: unknown }> = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400) failed.push(`${response.status()} ${url.pathname}`);
    if (url.pathname === '/auth/me') me.push({ status: response.status(), body: await response.json() });
  });
  return { page, consoleErrors, failed, me };
}

async function settled(page: Page) {
  await page.waitForLoadState('networkidle');
}

type Visit = { path: (roomId: string) => string; shows: (page: Page) => Promise<void> };

const visits: Record<string, Visit> = {
  'the join page': { path: () => '/', shows: (page) => expect(page.getByLabel('Username')).toBeVisible() },
  // Seed 001's link, opened with no session: it asks for a name.
  'a code room deep link': {
    path: (roomId) => `/room/${roomId}`,
    shows: (page) =>
      expect(page.getByRole('heading', { level: 1, name: 'Join the code room' })).toBeVisible({ timeout: 15_000 }),
  },
  'the sign-in page': {
    path: () => '/signin',
    shows: (page) => expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible(),
  },
  // A page that needs a session sends a signed-out visitor to sign in, quietly.
  'a chat deep link': {
    path: (roomId) => `/chat/${roomId}`,
    shows: async (page) => {
      await expect(page).toHaveURL(/\/signin$/);
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    },
  },
};

// No cookie at all, and a cookie whose session the server does not know (expired, signed out).
for (const cookie of [undefined, 'an-expired-or-unknown-session-token']) {
  for (const [name, visit] of Object.entries(visits)) {
    test(`${name}, signed out with ${cookie ? 'a dead session cookie' : 'no cookie'}: no console error, /auth/me answers 200`, async ({
      browser,
      request,
    }) => {
      // A real code room to link to (seed 001: made with no session). An unknown room's lookup
      // fails for a good reason, which is not what this test is about.
      const created = await request.post('/rooms', { data: { kind: 'code' } });
      expect(created.status()).toBe(201);
      const { roomId } = (await created.json()) as { roomId: string };

      const { page, consoleErrors, failed, me } = await watch(browser, cookie);
      await page.goto(visit.path(roomId));
      await visit.shows(page);
      await settled(page);
      expect(me).toEqual([{ status: 200, body: { user: null } }]);
      expect(failed.filter((f) => f.endsWith('/auth/me'))).toEqual([]);
      expect(failed).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    });
  }
}
