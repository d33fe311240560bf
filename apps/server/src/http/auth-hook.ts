import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized, unavailable } from '../errors.ts';
import { createLogLimiter } from '../log-limiter.ts';
import { type AccountsService, type Authenticated, SessionCheckError } from '../services/accounts.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user and session, on routes whose config asks for `auth`. */
    auth: Authenticated | null;
    /** A WebSocket upgrade's Origin whose session cookie was not taken (a page of another site). */
    refusedOrigin: string | undefined;
    /**
     * A WebSocket upgrade's session token could not be checked (the database did not answer):
     * the socket is closed with 1013 (try again later), not refused as signed out.
     */
    sessionCheckFailed: boolean;
  }
  interface FastifyContextConfig {
    /** `required`: 401 without a live session; `optional`: resolve it when one is sent. */
    auth?: 'required' | 'optional';
  }
}

export const SESSION_COOKIE = 'tandem_session';

/** Seconds a client is asked to wait (`Retry-After`) when its session could not be checked. */
const SESSION_CHECK_RETRY_SECONDS = 2;

/** The session token from `Authorization: Bearer …` or, for browsers, the HttpOnly cookie. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return request.cookies[SESSION_COOKIE] || undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** True when the session would come from the cookie (no bearer header): what a browser sends by itself. */
const cookieOnly = (request: FastifyRequest) =>
  !request.headers.authorization?.startsWith('Bearer ') && Boolean(request.cookies[SESSION_COOKIE]);

const originOf = (url: string): string | null => {
  try {
    const parsed = new URL(url);
    return /^https?:$/.test(parsed.protocol) ? parsed.origin : null;
  } catch {
    return null;
  }
};

/**
 * Whether a page at the request's `Origin` may use the session cookie: this server's own origin
 * (from the Host header, or X-Forwarded-Host/-Proto when TRUST_PROXY is set) or one of
 * CORS_ORIGINS. No Origin at all is allowed: browsers send one on every WebSocket upgrade and every
 * POST, PUT, PATCH and DELETE, so only non-browser clients (curl, scripts) come without, and they
 * hold the cookie themselves. `Origin: null` (sandboxed frames, file pages) is refused.
 */
export function originAllowed(request: FastifyRequest, corsOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const given = originOf(origin);
  if (given === null) return false;
  if (given === originOf(`${request.protocol}://${request.host}`)) return true;
  return corsOrigins.some((allowed) => originOf(allowed) === given);
}

/** The direct peer is this machine and no proxy forwarded the request (a local proxy relays outsiders). */
export function isLoopbackCaller(request: FastifyRequest): boolean {
  const peer = request.raw.socket.remoteAddress ?? '';
  if (!LOOPBACK.test(peer)) return false;
  return request.headers['x-forwarded-for'] === undefined && request.headers.forwarded === undefined;
}

/**
 * One hook for every route: routes declare `config: { auth }` and never look at tokens
 * themselves. Routes without it (health, docs) cost no database look-up.
 *
 * Cross-site request forgery and WebSocket hijacking: a session cookie sent by a page of another
 * origin (the browser attaches it by itself, even across ports) is no credential. A WebSocket
 * upgrade drops it (the socket may still authenticate with a token); a state-changing request
 * whose session came from it is refused with 403. Bearer tokens are never sent by a browser on
 * its own, so requests carrying one are unaffected.
 */
export function registerAuth(
  app: FastifyInstance,
  accounts: AccountsService,
  options: { corsOrigins: readonly string[] } = { corsOrigins: [] },
): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('refusedOrigin', undefined);
  app.decorateRequest('sessionCheckFailed', false);
  // During a database outage every request with a session fails its check: a few lines a minute.
  const uncheckedLog = createLogLimiter(app.log, { perMinute: 10, what: 'failed session checks' });
  app.addHook('onClose', async () => uncheckedLog.close());
  app.addHook('onRequest', async (request) => {
    // Every upgrade (`/ws`, `/ws/code`) passes here before its route sees a header.
    if (request.headers.upgrade !== undefined && cookieOnly(request) && !originAllowed(request, options.corsOrigins)) {
      request.refusedOrigin = String(request.headers.origin);
      delete request.headers.cookie;
      request.cookies = {};
    }
    const mode = request.routeOptions.config.auth;
    if (!mode) return;
    const token = sessionToken(request);
    try {
      request.auth = token ? await accounts.authenticate(token) : null;
    } catch (error) {
      if (!(error instanceof SessionCheckError)) throw error;
      uncheckedLog.log('warn', 'database', { err: error.cause }, 'session check failed: the database did not answer');
      // Not "signed out": the token may well be good. A socket is closed with 1013 by the
      // gateway; a request answers 503 with Retry-After.
      if (request.headers.upgrade !== undefined) {
        request.sessionCheckFailed = true;
        return;
      }
      throw unavailable(
        'We could not check your session just now (our database did not answer). Try again in a moment.',
        SESSION_CHECK_RETRY_SECONDS,
      );
    }
    if (mode === 'required' && !request.auth) {
      throw unauthorized(token ? 'Your session has expired or was signed out. Sign in again.' : undefined);
    }
    if (
      request.auth &&
      !SAFE_METHODS.has(request.method) &&
      cookieOnly(request) &&
      !originAllowed(request, options.corsOrigins)
    ) {
      throw forbidden(
        `Cross-origin request refused: a page at ${String(request.headers.origin).slice(0, 100)} may not use the session cookie of this site. Call from this site, or send Authorization: Bearer <token>.`,
      );
    }
  });
}

/** The user on a route declared `auth: 'required'`. */
export function currentUser(request: FastifyRequest) {
  if (!request.auth) throw unauthorized();
  return request.auth.user;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
  expiresAt: string,
  secure: 'auto' | boolean,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: secure === 'auto' ? request.protocol === 'https' : secure,
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
