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

/** Where Vite puts the built app's scripts (`/assets/index-<hash>.js`): nothing else may run. */
export const SCRIPTS_PATH = '/assets/';

/**
 * The app's Content-Security-Policy: it loads only its own scripts and styles and talks only to
 * its own origin ('self' covers same-origin ws: and wss:) and, when set, UPLOADS_ORIGIN (files,
 * and the encrypted ones it fetches to decrypt). CORS_ORIGINS are not here: they are pages that
 * call us, never places the app itself connects to.
 *
 * Two policies, both enforced (the comma): the first allows scripts from our origin only, the
 * second from `/assets/` on any host only — together, only our own `/assets/`, never
 * `/static/<upload>.js` nor any other path. (A host-source needs a host to carry a path, and the
 * app does not know the public host behind a proxy; the intersection needs neither.) Nothing
 * under /assets/ redirects, which would end path matching.
 */
export function contentSecurityPolicy(uploadsOrigin?: string): string {
  const files = uploadsOrigin ? ` ${uploadsOrigin}` : '';
  const main = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${files}`,
    `media-src 'self' blob:${files}`,
    `connect-src 'self'${files}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
  return `${main}, script-src *:*${SCRIPTS_PATH}`;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tandem</title>
<p>The Tandem web app is not built. Run <code>./tandem start</code> (it builds it) or
<code>npm run build -w @tandem/web</code>. The API is documented at <a href="/docs">/docs</a>.</p>`;

/** What the uploads origin answers besides the files: load balancers' health checks. */
const UPLOADS_ORIGIN_PATHS = new Set(['/healthz', '/readyz']);

export type SpaFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

/** The route that serves the web app's files (@fastify/static's wildcard under `/`). */
export const WEB_APP_FILES_ROUTE = '/*';

/** A file the build compressed beforehand (`app-1a2b.js.br`), named by the file it stands for. */
const PRECOMPRESSED_SUFFIX = /\.(?:br|gz)$/;

/**
 * Serves the built web app from `webDir`: hashed assets cached for a year, `index.html` never
 * cached and sent with a strict Content-Security-Policy. Returns the fallback that answers
 * browser navigations to app routes (`/lobby`, `/chat/…`) with `index.html`.
 *
 * Compressed at build time: where `vite build` wrote `<file>.br` or `<file>.gz` beside a file
 * (apps/web/build/precompress.ts: the assets, index.html, the public files, wherever it shrinks),
 * a browser that accepts brotli gets the `.br`, else one that accepts gzip the `.gz`, with the
 * file's own headers and `Vary: Accept-Encoding`. These files are never compressed per request
 * (http/compression.ts leaves WEB_APP_FILES_ROUTE alone).
 */
export async function registerWebApp(
  app: FastifyInstance,
  webDir: string,
  options: { uploadsOrigin?: string | undefined } = {},
): Promise<SpaFallback> {
  const CONTENT_SECURITY_POLICY = contentSecurityPolicy(options.uploadsOrigin);
  // First of all hooks, so that nothing else (sessions, rate limits) runs for another origin.
  if (options.uploadsOrigin) separateUploadsOrigin(app, options.uploadsOrigin);
  const built = fs.existsSync(path.join(webDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      // Looked up per request, so a rebuilt app is served without a restart.
      wildcard: true,
      cacheControl: false,
      preCompressed: true,
      setHeaders: (reply: FastifyReply, sentPath: string) => {
        // The headers are those of the file asked for, whichever of its encodings is sent.
        const filePath = sentPath.replace(PRECOMPRESSED_SUFFIX, '');
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

/**
 * UPLOADS_ORIGIN: the files live on an origin of their own (e.g. files.example.com, the same
 * server under another name). There, only the files (and health checks) are answered — never the
 * app or the API, so that origin never holds a cookie or a key. On every other host, /static/…
 * redirects (308) to the same path there, so links stored or cached before still work.
 */
function separateUploadsOrigin(app: FastifyInstance, origin: string) {
  const uploadsHost = new URL(origin).host;
  app.addHook('onRequest', async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '';
    const isFile = pathname.startsWith('/static/');
    if (request.host.toLowerCase() === uploadsHost) {
      if (isFile || UPLOADS_ORIGIN_PATHS.has(pathname)) return;
      return reply.status(404).send({ error: { code: 'not_found', message: `${origin} serves uploaded files only.` } });
    }
    if (isFile) return reply.redirect(`${origin}${request.url}`, 308);
  });
}
