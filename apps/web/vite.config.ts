import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

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
  plugins: [react(), tailwindcss()],
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
