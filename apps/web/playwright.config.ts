import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
// A free port unless E2E_PORT says otherwise, so parallel runs (two checkouts, CI next to a
// developer) never collide. Workers load this file too and inherit the choice through the env.
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
process.env.E2E_PORT ??= String(await freePort());
const port = Number(process.env.E2E_PORT);
// The phone app's web build (apps/mobile, `expo export --platform web`), served on its own origin
// and pointed at this run's Tandem server, which lets that origin in with CORS_ORIGINS.
process.env.E2E_MOBILE_PORT ??= String(await freePort());
const mobilePort = Number(process.env.E2E_MOBILE_PORT);
// A fresh database for every run, removed by the global teardown. Workers load this file too;
// only the main process starts the server and tears down, so the main process's name is the one used.
const database = path.join(os.tmpdir(), `tandem-e2e-${process.pid}-${Date.now()}.db`);
process.env.TANDEM_E2E_DATABASE ??= database;
// The phone app's export for this run, in its own folder (apps/mobile/.expo, ignored by git): two
// runs at once each serve their own build, compiled with their own server's address.
process.env.TANDEM_E2E_MOBILE_DIST ??= path.join(repo, `apps/mobile/.expo/web-e2e-${mobilePort}`);

// Built for this run (the server's address is compiled in) and served by Expo's own server.
const mobileServer = {
  command: `npx expo export --platform web --output-dir ${process.env.TANDEM_E2E_MOBILE_DIST} --clear && npx expo serve ${process.env.TANDEM_E2E_MOBILE_DIST} --port ${mobilePort}`,
  cwd: path.join(repo, 'apps/mobile'),
  url: `http://127.0.0.1:${mobilePort}/`,
  reuseExistingServer: false,
  timeout: 240_000,
  stdout: 'ignore' as const,
  stderr: 'pipe' as const,
  env: { CI: '1', EXPO_NO_TELEMETRY: '1', EXPO_PUBLIC_TANDEM_URL: `http://127.0.0.1:${port}` },
};

export default defineConfig({
  testDir: './e2e',
  // Without the phone build (E2E_WEB_ONLY=1) its specs cannot run: leave them out rather than fail.
  testIgnore: process.env.E2E_WEB_ONLY ? /mobile.*\.spec\.ts$/ : undefined,
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: path.join(repo, 'artifacts/playwright/results'),
  reporter: [
    ['list'],
    ['html', { outputFolder: path.join(repo, 'artifacts/playwright/report'), open: 'never' }],
    // Read by ./tandem test for the closing summary line.
    ['json', { outputFile: path.join(repo, 'artifacts/playwright.json') }],
  ],
  // Two workers on a two-core CI machine, each with a browser or two and the servers beside them:
  // a step that takes a second here can take several there (key generation, a first bundle load).
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    // Debian's Chromium, never a downloaded browser (e2e/chromium.ts, shared with the web bench).
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      // The real thing: the production build served by the Tandem server, on a throwaway SQLite file.
      command: 'npm run build -w @tandem/web && node apps/server/src/main.ts',
      cwd: repo,
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${process.env.TANDEM_E2E_DATABASE}`,
        DEFAULT_ROOMS: '',
        AUTH_RATE_LIMIT: '1000',
        LOG_LEVEL: 'warn',
        WEB_DIR: path.join(repo, 'apps/web/dist'),
        CORS_ORIGINS: `http://127.0.0.1:${mobilePort}`,
      },
    },
    // E2E_WEB_ONLY=1 skips the phone build (a minute or two) when only the web specs are run.
    ...(process.env.E2E_WEB_ONLY ? [] : [mobileServer]),
  ],
});
