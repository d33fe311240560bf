import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const folder = path.join(repo, 'artifacts/screenshots');

const SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

/** Where a screenshot named `name` goes: artifacts/screenshots/<name>.png. */
export function screenshotPath(name: string): string {
  return path.join(folder, `${name}.png`);
}

/** Saves the page at a phone's and a laptop's size: artifacts/screenshots/<name>-<w>x<h>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  // A focus ring on the last-used field is not what the page looks like at rest.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (const size of SIZES) {
    await page.setViewportSize(size);
    // Let layout settle (the message list re-pins to the bottom on resize).
    await page.waitForTimeout(200);
    await page.screenshot({ path: screenshotPath(`${name}-${size.width}x${size.height}`) });
  }
  if (original) await page.setViewportSize(original);
}

/**
 * Where a screenshot kept in the docs goes: docs/screenshots/<name>.png when DOCS_SCREENSHOTS=1
 * (to refresh the committed pictures on purpose), else artifacts/screenshots/<name>.png like the rest,
 * so an ordinary test run never rewrites tracked files.
 */
export function docsScreenshotPath(name: string): string {
  return process.env.DOCS_SCREENSHOTS === '1'
    ? path.join(repo, 'docs/screenshots', `${name}.png`)
    : screenshotPath(name);
}
