import fs from 'node:fs';
import path from 'node:path';
import { ENCODINGS, kB, measurePage } from './bytes-on-the-wire.ts';
import { expect, type Page, test } from './fixtures';
import { newUserPage, person, register } from './helpers.ts';

/**
 * What each page downloads (issue 18 item 2): the built files go out compressed, and the first
 * pages (front page, sign-in, lobby) fetch none of the chat, code-room or encryption code. Chunks
 * are told apart by name: the pages' own (React.lazy in src/app/App.tsx) and the libraries'
 * (`codemirror`, `yjs`, `crypto`: vite.config.ts).
 */

const assetsDir = path.resolve(import.meta.dirname, '../dist/assets');
const LATER = {
  codeRoom: ['CodeRoomPage', 'codemirror', 'yjs'],
  chat: ['ChatPage'],
  encryption: ['crypto'],
  lobby: ['RoomsPage'],
} as const;
const ALL_LATER = Object.values(LATER).flat();

/** The chunk a script belongs to, by its file name: `codemirror` for /assets/codemirror-1a2B.js. */
const chunkOf = (file: string) => /\/assets\/(.+)-[\w-]{8}\.js$/.exec(file)?.[1] ?? file;

/** Before the whole app was one script, sent as it is: 512.8 kB for the front page (473.1 kB of it script). */
const BEFORE = { sent: 512_800, scripts: 473_100 };

test('every chunk the first pages must not fetch is in the build under its own name', () => {
  // Otherwise "never fetched" below would hold for a chunk that no longer exists.
  const chunks = new Set(
    fs
      .readdirSync(assetsDir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => chunkOf(`/assets/${file}`)),
  );
  for (const name of ALL_LATER) expect(chunks, name).toContain(name);
});

for (const [page, url] of [
  ['front page', '/'],
  ['sign-in page', '/signin'],
] as const) {
  test(`the ${page} fetches no chat, code-room or encryption code, and its files come brotli-compressed`, async ({
    browser,
    baseURL,
  }) => {
    const brotli = await measurePage(browser, new URL(url, baseURL).href, ENCODINGS.brotli);
    const scripts = brotli.files.filter((file) => file.path.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(ALL_LATER, script.path).not.toContain(chunkOf(script.path));
    // The page, its styles and scripts: brotli, as sent by the server from the build's .br files.
    for (const file of brotli.files.filter((f) => /\.(js|css)$/.test(f.path) || f.path === url)) {
      expect(file.encoding, file.path).toBe('br');
      expect(file.sent, file.path).toBeLessThan(file.decoded);
    }
    // Well under what the page took before (a fifth: 101.8 kB when this was written).
    expect(brotli.sent).toBeLessThan(BEFORE.sent * 0.3);
    expect(brotli.scriptsSent).toBeLessThan(BEFORE.scripts * 0.3);

    // A client that takes only gzip gets gzip; one that takes none gets the files as they are.
    const gzip = await measurePage(browser, new URL(url, baseURL).href, ENCODINGS.gzip);
    const none = await measurePage(browser, new URL(url, baseURL).href, ENCODINGS.none);
    for (const file of gzip.files.filter((f) => /\.(js|css)$/.test(f.path)))
      expect(file.encoding, file.path).toBe('gzip');
    for (const file of none.files) expect(file.encoding, file.path).toBe('');
    expect(brotli.sent).toBeLessThan(gzip.sent);
    expect(gzip.sent).toBeLessThan(none.sent);
    // The same files either way, decoded to the same bytes.
    expect(gzip.decoded).toBe(none.decoded);
    expect(brotli.decoded).toBe(none.decoded);
    test.info().annotations.push({
      type: 'bytes on the wire',
      description: `${url}: brotli ${kB(brotli.sent)}, gzip ${kB(gzip.sent)}, none ${kB(none.sent)} (scripts ${kB(brotli.scriptsSent)} / ${kB(gzip.scriptsSent)} / ${kB(none.scriptsSent)})`,
    });
  });
}

/** The page's chunks fetched so far, by name. */
function fetchedChunks(page: Page): Set<string> {
  const chunks = new Set<string>();
  page.on('response', (response) => {
    if (response.url().endsWith('.js')) chunks.add(chunkOf(new URL(response.url()).pathname));
  });
  return chunks;
}

test('the lobby fetches no chat, code-room or encryption code; each comes when its page opens, after a polite “Loading…”', async ({
  browser,
}) => {
  test.setTimeout(60_000);
  const page = await newUserPage(browser);
  const chunks = fetchedChunks(page);
  await register(page, person('Lena'));
  await expect(page.getByRole('heading', { level: 1, name: 'Rooms' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect([...chunks]).toContain('RoomsPage');
  for (const name of [...LATER.chat, ...LATER.encryption, ...LATER.codeRoom])
    expect([...chunks], name).not.toContain(name);

  // An encrypted room: the form fetches the encryption code to make its key, the room its page.
  await page.getByLabel('Enter new room name').fill(`Sealed ${Date.now().toString(36)}`);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  expect([...chunks]).toEqual(expect.arrayContaining([...LATER.chat, ...LATER.encryption]));
  for (const name of LATER.codeRoom) expect([...chunks], name).not.toContain(name);

  // A code room: held back for a moment, its page says it is loading, as a status.
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(/\/assets\/CodeRoomPage-[\w-]{8}\.js$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/lobby');
  await page.getByRole('button', { name: 'New code room' }).click();
  await expect(page).toHaveURL(/\/room\/[\w-]+$/);
  await expect(page.getByRole('status').filter({ hasText: 'Loading…' })).toBeVisible();
  release();
  await expect(page.locator('.cm-content')).toBeVisible();
  expect([...chunks]).toEqual(expect.arrayContaining([...LATER.codeRoom]));
});
