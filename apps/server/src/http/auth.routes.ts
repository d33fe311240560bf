import {
  GuestRequest,
  LoginRequest,
  loginIdentifier,
  MeResponse,
  RegisterRequest,
  SessionResponse,
} from '@tandem/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../services/index.ts';
import { clearSessionCookie, setSessionCookie } from './auth-hook.ts';
import { errorResponses, signedIn } from './schema-helpers.ts';

export type RouteOptions = { services: Services; cookieSecure: 'auto' | boolean; authRateLimit: number };

export function authRoutes(app: FastifyInstance, { services, cookieSecure, authRateLimit }: RouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { accounts } = services;
  // Sign-up and sign-in are where bots push hardest; each address gets a budget per minute.
  const rateLimit = { max: authRateLimit, timeWindow: 60_000 };

  r.post(
    '/auth/guest',
    {
      config: { auth: 'optional', rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Join as a guest with only a username',
        description: 'Creates a guest user and a session. A guest can register later and keep its history.',
        body: GuestRequest,
        response: { 201: SessionResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const session = await accounts.joinAsGuest(request.body.username);
      setSessionCookie(request, reply, session.token, session.expiresAt, cookieSecure);
      return reply.status(201).send(session);
    },
  );

  r.post(
    '/auth/register',
    {
      config: { auth: 'optional', rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Register an account',
        description:
          'Name, username, e-mail and password (8–256 characters, stored as an argon2id hash). When called with a guest session, the guest becomes this account and keeps its rooms and messages.',
        body: RegisterRequest,
        response: { 201: SessionResponse, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const session = await accounts.register(request.body, request.auth?.user ?? null);
      if (request.auth) await accounts.logout(request.auth.tokenHash, 'replaced');
      setSessionCookie(request, reply, session.token, session.expiresAt, cookieSecure);
      return reply.status(201).send(session);
    },
  );

  r.post(
    '/auth/login',
    {
      config: { rateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username or e-mail and password',
        description:
          'Name the account in `login` (username or e-mail address), or in `username` or `email` — one of them (several only if they agree; none, or two that differ, answer 400 naming the fields). Wrong password and unknown account get the same 401 and take the same time. Repeated failures for one account from one address answer 429 for a while, whichever field named it.',
        body: LoginRequest,
        response: { 200: SessionResponse, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const session = await accounts.login(loginIdentifier(request.body), request.body.password, request.ip);
      setSessionCookie(request, reply, session.token, session.expiresAt, cookieSecure);
      return session;
    },
  );

  r.post(
    '/auth/logout',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: revoke this session',
        security: signedIn,
        response: { 204: z.null().describe('Signed out'), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      if (request.auth) await accounts.logout(request.auth.tokenHash);
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/auth/me',
    {
      // Optional: being signed out is an answer here, not an error, so a signed-out page load
      // logs no failed request. Every route that needs a session still answers 401.
      config: { auth: 'optional' },
      schema: {
        tags: ['auth'],
        summary: 'Who am I',
        description:
          'The signed-in user, or `{"user": null}` (200) when no session was sent or it expired or was signed out.',
        security: [...signedIn, {}],
        response: { 200: MeResponse },
      },
    },
    async (request) => ({ user: request.auth ? accounts.me(request.auth.user) : null }),
  );
}
