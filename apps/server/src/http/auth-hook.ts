import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../errors.ts';
import type { AccountsService, Authenticated } from '../services/accounts.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user and session, on routes whose config asks for `auth`. */
    auth: Authenticated | null;
  }
  interface FastifyContextConfig {
    /** `required`: 401 without a live session; `optional`: resolve it when one is sent. */
    auth?: 'required' | 'optional';
  }
}

export const SESSION_COOKIE = 'tandem_session';

/** The session token from `Authorization: Bearer …` or, for browsers, the HttpOnly cookie. */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return request.cookies[SESSION_COOKIE] || undefined;
}

/**
 * One hook for every route: routes declare `config: { auth }` and never look at tokens
 * themselves. Routes without it (health, docs) cost no database look-up.
 */
export function registerAuth(app: FastifyInstance, accounts: AccountsService): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth;
    if (!mode) return;
    const token = sessionToken(request);
    request.auth = token ? await accounts.authenticate(token) : null;
    if (mode === 'required' && !request.auth) {
      throw unauthorized(token ? 'Your session has expired or was signed out. Sign in again.' : undefined);
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
