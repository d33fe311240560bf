import { createHash } from 'node:crypto';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { precompress } from './build/precompress.ts';
import { THEME_SCRIPT } from './src/features/theme/themeScript.ts';

/**
 * The theme script (light or dark, before the first paint) as a blocking <script> in the head.
 * The server's Content-Security-Policy runs only files under /assets/, never inline code, so the
 * build writes it there under a hash of its text (cached for a year like the rest); the dev server,
 * which sends no such policy, inlines it.
 */
function themeBeforeFirstPaint(): Plugin {
  const fileName = `assets/theme-${createHash('sha256').update(THEME_SCRIPT).digest('hex').slice(0, 10)}.js`;
  let building = false;
  return {
    name: 'tandem-theme-before-first-paint',
    configResolved(config) {
      building = config.command === 'build';
    },
    buildStart() {
      if (building) this.emitFile({ type: 'asset', fileName, source: THEME_SCRIPT });
    },
    transformIndexHtml() {
      return [
        building
          ? { tag: 'script', attrs: { src: `/${fileName}` }, injectTo: 'head' }
          : { tag: 'script', children: THEME_SCRIPT, injectTo: 'head' },
      ];
    },
  };
}

// In development the API and the WebSocket gateway live on a Tandem server (TANDEM_API, default
// :8000); proxying them keeps everything same-origin, exactly as when the server serves the build.
const api = process.env.TANDEM_API ?? 'http://127.0.0.1:8000';
const proxied = [
  '/auth',
  '/rooms',
  '/devices',
  '/stats',
  '/uploads',
  '/static',
  '/autocomplete',
  '/healthz',
  '/readyz',
  '/docs',
];

/**
 * The big libraries in chunks of their own, named so that e2e/loading.spec.ts can tell from the
 * requests that the front page, sign-in and the lobby never fetch them: only the code room needs
 * CodeMirror and Yjs, only encrypted rooms need the encryption code. (Their own chunks also stay
 * cached across releases that change only the app's code.)
 */
const LIBRARY_CHUNKS = [
  { name: 'codemirror', test: /[\\/]node_modules[\\/](?:@codemirror|@lezer|@marijn|style-mod|w3c-keyname|crelt)[\\/]/ },
  { name: 'yjs', test: /[\\/]node_modules[\\/](?:yjs|lib0|y-protocols|y-codemirror\.next|@hocuspocus)[\\/]/ },
  { name: 'crypto', test: /[\\/](?:node_modules[\\/]@noble|packages[\\/]crypto)[\\/]/ },
];

export default defineConfig({
  plugins: [react(), tailwindcss(), themeBeforeFirstPaint(), precompress()],
  server: {
    proxy: {
      ...Object.fromEntries(proxied.map((path) => [path, { target: api, changeOrigin: false }])),
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: {
    sourcemap: true,
    rolldownOptions: {
      // Earlier groups win a module that two could take (y-codemirror.next imports CodeMirror).
      output: { codeSplitting: { groups: LIBRARY_CHUNKS.map((group, i) => ({ ...group, priority: 10 - i })) } },
    },
  },
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
