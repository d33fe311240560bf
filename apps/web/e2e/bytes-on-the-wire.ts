/**
 * Bytes on the wire: what a page of the web app makes the browser download, file by file, as sent
 * (compressed or not) and as decoded. Used by e2e/loading.spec.ts, and on its own to compare
 * builds (docs/performance.md, "Web app: bytes on the wire"):
 *
 *   node apps/web/e2e/bytes-on-the-wire.ts http://127.0.0.1:8000/ [/signin …]
 *
 * opens each page in Debian's Chromium three times — asking for brotli, for gzip only, and for no
 * compression — and prints the totals.
 */
import path from 'node:path';
import { type Browser, chromium } from '@playwright/test';

export type Fetched = {
  /** The path, e.g. `/assets/index-1a2b.js`. */
  path: string;
  /** The Content-Encoding it came with ('' for none). */
  encoding: string;
  /** Bytes of the body as sent (compressed when encoded). */
  sent: number;
  /** Bytes of the body once decoded. */
  decoded: number;
};

export type PageBytes = { files: Fetched[]; sent: number; decoded: number; scriptsSent: number };

/** What the three measured clients put in Accept-Encoding. */
export const ENCODINGS = {
  brotli: 'gzip, deflate, br',
  gzip: 'gzip',
  none: 'identity',
} as const;

/**
 * Opens `url` in a fresh context (nothing cached) whose requests say `Accept-Encoding:
 * acceptEncoding`, waits until the page shows its heading and the network is quiet, and lists
 * every response.
 */
export async function measurePage(browser: Browser, url: string, acceptEncoding: string): Promise<PageBytes> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'accept-encoding': acceptEncoding } });
  try {
    const page = await context.newPage();
    const pending: Promise<Fetched>[] = [];
    page.on('requestfinished', (request) => {
      pending.push(
        (async () => {
          const response = await request.response();
          const [sizes, headers, body] = await Promise.all([
            request.sizes(),
            response ? response.allHeaders() : ({} as Record<string, string>),
            response ? response.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0),
          ]);
          return {
            path: new URL(request.url()).pathname,
            encoding: headers['content-encoding'] ?? '',
            sent: sizes.responseBodySize,
            decoded: body.length,
          };
        })(),
      );
    });
    await page.goto(url);
    // The page's heading is drawn once the session check has answered; then whatever the page
    // itself fetches is waited for too.
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForLoadState('networkidle');
    // The tab's icon is left out: the browser fetches it when it likes (0.2 kB).
    const files = (await Promise.all(pending)).filter((file) => file.path !== '/favicon.svg');
    const sum = (list: Fetched[], key: 'sent' | 'decoded') => list.reduce((total, file) => total + file[key], 0);
    return {
      files,
      sent: sum(files, 'sent'),
      decoded: sum(files, 'decoded'),
      scriptsSent: sum(
        files.filter((file) => file.path.endsWith('.js')),
        'sent',
      ),
    };
  } finally {
    await context.close();
  }
}

export const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

async function main(base: string, paths: string[]) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic'],
  });
  try {
    for (const pagePath of paths) {
      const url = new URL(pagePath, base).href;
      console.log(`\n${url}`);
      for (const [name, accept] of Object.entries(ENCODINGS)) {
        const bytes = await measurePage(browser, url, accept);
        console.log(
          `  ${name.padEnd(7)} ${String(bytes.files.length).padStart(2)} files, sent ${kB(bytes.sent).padStart(9)} ` +
            `(scripts ${kB(bytes.scriptsSent)}), decoded ${kB(bytes.decoded)}`,
        );
        if (name === 'brotli') {
          for (const file of bytes.files) {
            console.log(`      ${file.path}  ${file.encoding || 'identity'}  ${kB(file.sent)} of ${kB(file.decoded)}`);
          }
        }
      }
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const [base = 'http://127.0.0.1:8000/', ...paths] = process.argv.slice(2);
  await main(base, paths.length > 0 ? paths : ['/']);
}
