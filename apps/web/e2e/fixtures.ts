import { test as base } from '@playwright/test';

export type { Browser, Locator, Page, WebSocketRoute } from '@playwright/test';
export { expect } from '@playwright/test';

/**
 * Playwright closes the context it hands a test as `page`, but not the ones a test opens itself with
 * `browser.newContext()` (every second person, every phone). The `browser` lives as long as the worker,
 * so before this fixture each such page stayed open, kept its socket and its render loop going, and by
 * the last specs of a CI run a worker had some twenty-five of them awake: the late specs ran on a machine
 * busy with the earlier ones. This closes what the test opened (after Playwright's failure screenshots,
 * which it takes when the test function ends and again as a context closes).
 */
export const test = base.extend<{ closeOwnContexts: undefined }>({
  closeOwnContexts: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use(undefined);
      const opened = browser.contexts().filter((context) => !before.has(context));
      await Promise.all(opened.map((context) => context.close().catch(() => undefined)));
    },
    { auto: true },
  ],
});
