import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { expect, test } from './fixtures';

const crypto = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/crypto/test');

// docs/encryption.md: fixed keys and nonces must give identical bytes in Node and in the browser.
// The Node half is packages/crypto/test/crypto.test.ts; this runs the very same module in Chromium.
test('the crypto test vectors give the same bytes in Chromium as in Node', async ({ page }) => {
  const bundle = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(crypto, 'vectors.ts'), formats: ['iife'], name: 'TandemVectors' },
    },
  });
  const output = (Array.isArray(bundle) ? bundle[0] : bundle) as { output: Array<{ type: string; code?: string }> };
  const code = output.output.find((chunk) => chunk.type === 'chunk')?.code;
  if (!code) throw new Error('the vectors did not bundle');
  await page.goto('about:blank');
  await page.addScriptTag({ content: code });
  const inBrowser = await page.evaluate(() =>
    (window as unknown as { TandemVectors: { vectorOutputs(): unknown } }).TandemVectors.vectorOutputs(),
  );
  const expected = JSON.parse(fs.readFileSync(path.join(crypto, 'vectors.expected.json'), 'utf8'));
  expect(inBrowser).toEqual(expected);
});
