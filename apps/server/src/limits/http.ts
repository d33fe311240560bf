import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { rateLimited } from '../errors.ts';
import type { Limits } from './limits.ts';

/**
 * A streamed upload (multipart) has no total time limit — 25 MiB over a slow link takes minutes —
 * but must bring at least this much in every REQUEST_TIMEOUT window (64 KiB in 30 s is ~2 KB/s).
 */
export const MIN_UPLOAD_BYTES_PER_WINDOW = 64 * 1024;

/** The routes that store a message over REST; the socket's `send` takes from the same budget. */
const SEND_ROUTES = new Set(['POST /rooms/:roomId/messages']);

const hasBody = (headers: IncomingHttpHeaders) =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;

/**
 * Node's own `headersTimeout` bounds the request line and headers, and the socket's idle timeout
 * (`connectionTimeout`) a connection that sends nothing. What neither bounds is a body trickled a
 * few bytes at a time (slowloris). Here: a body must be complete within REQUEST_TIMEOUT, except a
 * multipart upload, which must keep arriving at MIN_UPLOAD_BYTES_PER_WINDOW a window. Over it,
 * the connection gets `408` and is closed. WebSocket upgrades have no body and pass untouched.
 */
export function registerBodyTimeouts(app: FastifyInstance, timeouts: Config['timeouts']): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw;
    if (!hasBody(raw.headers) || raw.complete) return done();
    const socket = raw.socket;
    const streaming = /^multipart\//i.test(raw.headers['content-type'] ?? '');
    let readBefore = socket.bytesRead;
    const timer = setInterval(() => {
      if (raw.complete || socket.destroyed) return clearInterval(timer);
      const read = socket.bytesRead - readBefore;
      readBefore = socket.bytesRead;
      if (streaming && read >= MIN_UPLOAD_BYTES_PER_WINDOW) return;
      clearInterval(timer);
      request.log.info(
        { bytesInWindow: read, windowMs: timeouts.requestMs },
        streaming ? 'upload too slow; connection closed' : 'request body too slow; connection closed',
      );
      if (!socket.writableEnded)
        socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      setTimeout(() => socket.destroy(), 1000).unref();
    }, timeouts.requestMs);
    timer.unref();
    // Removed once the body is in: a keep-alive socket carries many requests, and one listener
    // left behind per request piled up on it (found by the fuzzer: MaxListenersExceededWarning).
    const stop = () => {
      clearInterval(timer);
      socket.off('close', stop);
    };
    raw.once('end', stop);
    socket.once('close', stop);
    done();
  });
}

/**
 * One send budget per user: the REST route that stores a message takes from the bucket that the
 * user's sockets take from, on every node (`WS_SENDS_PER_SECOND`, `WS_SEND_BURST`).
 */
export function registerRestSendBudget(app: FastifyInstance, limits: Limits, options: Config['realtime']): void {
  const rule = { ratePerSecond: options.sendsPerSecond, burst: options.sendBurst };
  app.addHook('preHandler', async (request) => {
    if (!request.auth || !SEND_ROUTES.has(`${request.method} ${request.routeOptions.url}`)) return;
    if (!(await limits.take(`send:${request.auth.user.id}`, rule))) {
      throw rateLimited(
        `At most ${options.sendsPerSecond} messages a second per user (all your tabs and devices together); slow down.`,
        Math.max(1, Math.ceil(1 / options.sendsPerSecond)),
      );
    }
  });
}
