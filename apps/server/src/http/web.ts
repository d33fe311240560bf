import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** First path segments that belong to the API: they never fall back to the web app. */
const API_SEGMENTS = new Set([
  'auth',
  'rooms',
  'stats',
  'docs',
  'healthz',
  'readyz',
  'ws',
  'static',
  'uploads',
  'autocomplete',
  'metrics',
]);

// The app loads only its own scripts and styles and talks only to its own origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tandem</title>
<p>The Tandem web app is not built. Run <code>./tandem start</code> (it builds it) or
<code>npm run build -w @tandem/web</code>. The API is documented at <a href="/docs">/docs</a>.</p>`;

export type SpaFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/**
 * Serves the built web app from `webDir`: hashed assets cached for a year, `index.html` never
 * cached and sent with a strict Content-Security-Policy. Returns the fallback that answers
 * browser navigations to app routes (`/lobby`, `/chat/…`) with `index.html`.
 */
export async function registerWebApp(app: FastifyInstance, webDir: string): Promise<SpaFallback> {
  const built = fs.existsSync(path.join(webDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      // Looked up per request, so a rebuilt app is served without a restart.
      wildcard: true,
      cacheControl: false,
      setHeaders: (reply: FastifyReply, filePath: string) => {
        if (filePath.endsWith('.html')) {
          reply.header('cache-control', 'no-cache');
          reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
        } else if (filePath.includes(`${path.sep}assets${path.sep}`)) {
          reply.header('cache-control', 'public, max-age=31536000, immutable');
        } else {
          reply.header('cache-control', 'public, max-age=3600');
        }
        reply.header('x-content-type-options', 'nosniff');
        reply.header('referrer-policy', 'no-referrer');
      },
    });
  }

  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return null;
    const segment = request.url.split('?')[0]?.split('/')[1] ?? '';
    if (API_SEGMENTS.has(segment) || !request.headers.accept?.includes('text/html')) return null;
    if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    reply.header('cache-control', 'no-cache');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return reply.sendFile('index.html');
  };
}
