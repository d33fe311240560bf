import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

/** Below this, compressing saves less than it costs (a response this small fits in one packet anyway). */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/**
 * Compresses responses on the fly for a client that accepts it: brotli (quality 4, quick enough
 * per request), else gzip, for text types (JSON, HTML, JavaScript, CSS, SVG, …) of at least
 * COMPRESS_THRESHOLD_BYTES: the API's JSON, the API docs, metrics. Must be registered before any
 * route: it attaches itself to each route as the route is added.
 *
 * Routes for which `sentAsStored(url)` holds are left alone:
 * - the web app's files, which the build compressed once at the highest settings
 *   (apps/web/build/precompress.ts) and web.ts sends as `<file>.br` / `<file>.gz`: compressing
 *   them again per request would cost time for bigger output (and a streamed file's length is
 *   not known here, so even a 14-byte one would be compressed);
 * - uploaded files (`/static/`): mostly compressed already (images, audio, video, archives) or
 *   encrypted (random bytes never shrink), served with byte ranges for players and PDF viewers.
 *
 * Never compressed either: partial responses (206), `text/event-stream`, and WebSocket upgrades
 * (/ws, /ws/code: the socket takes the connection before any reply is sent). Request bodies are
 * never decompressed: clients send plain JSON and multipart as before, and the body limits keep
 * counting the bytes actually read.
 */
export async function registerCompression(
  app: FastifyInstance,
  options: { sentAsStored: (url: string) => boolean },
): Promise<void> {
  // Runs before @fastify/compress's own onRoute hook (hooks run in the order added), so that
  // `compress: false` is what that hook sees.
  app.addHook('onRoute', (route) => {
    if (options.sentAsStored(route.url)) route.compress = false;
  });
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_THRESHOLD_BYTES,
    globalDecompression: false,
  });
}
