import type { ErrorCode } from '@tandem/protocol';

/** An error meant for the client: its status, code and message reach the caller as they are. */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(status: number, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);
export const unauthorized = (message = 'Sign in or join as a guest first.') =>
  new AppError(401, 'unauthorized', message);
export const badRequest = (message: string, details?: unknown) =>
  new AppError(400, 'validation_failed', message, details);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', message, { retryAfterSeconds });

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
