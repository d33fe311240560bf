import { createHash } from 'node:crypto';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
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

export default defineConfig({
  plugins: [react(), tailwindcss(), themeBeforeFirstPaint()],
  server: {
    proxy: {
      ...Object.fromEntries(proxied.map((path) => [path, { target: api, changeOrigin: false }])),
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: { sourcemap: true },
  test: {
    name: 'web',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
