/**
 * Debian's Chromium (`/usr/bin/chromium`, or CHROMIUM_PATH), never a downloaded browser, and the
 * flags every run of it takes here: the Playwright specs (playwright.config.ts) and the web bench
 * (bench/src/web.ts).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
