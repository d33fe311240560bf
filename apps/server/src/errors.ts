import type { ErrorCode } from '@tandem/protocol';

/**
 * An error meant for the client: its code, message and details reach the caller as they are.
 * It names what went wrong, not how a transport says so: `http/errors.ts` maps the code to an
 * HTTP status, `realtime/socket-session.ts` to an `error` frame's code. A `retryAfterSeconds` in
 * the details becomes a `Retry-After` header on HTTP.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is an `AppError` with this code (services branch on codes, never on statuses). */
export const isAppError = (error: unknown, code: ErrorCode): error is AppError =>
  error instanceof AppError && error.code === code;

export const notFound = (message: string) => new AppError('not_found', message);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const unauthorized = (message = 'Sign in or join as a guest first.') => new AppError('unauthorized', message);
export const badRequest = (message: string, details?: unknown) => new AppError('validation_failed', message, details);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError('rate_limited', message, { retryAfterSeconds });
/** Our side cannot serve this just now (the database did not answer); the caller may retry. */
export const unavailable = (message: string, retryAfterSeconds: number) =>
  new AppError('unavailable', message, { retryAfterSeconds });

// Database outages are classified here, not in store/, so that http, realtime and collab can tell
// one apart without importing the store (the layer rule in biome.json).

/** Node socket errors that mean the database could not be reached or the link broke. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);
/** node-postgres' own words for a lost or never-made connection (it sets no code on these). */
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed',
];

/**
 * True when the error says the database is out of reach (refused, cut, timed out, shutting
 * down, over its connection limit) rather than that the query was wrong: such failures come in
 * bursts during an outage, are logged at warn once per node and not per request, and a REST
 * request answers 503 with Retry-After.
 */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code)) return true;
      // 08xxx connection exception, 57P01–57P03 shutdown / cannot connect now, 53300 too many connections.
      if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
        return true;
      }
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((m) => message.startsWith(m))) return true;
  }
  return false;
}
