import { z } from 'zod';
import { Id, isStorableText, STORABLE_TEXT, Timestamp, Username } from './common.ts';
import { exampleUser } from './examples.ts';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export const Password = z
  .string()
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

export const Email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an e-mail address'));

export const DisplayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
  .refine(isStorableText, STORABLE_TEXT);

/** What anyone may see of a person. */
export const PublicUser = z
  .object({ id: Id, username: Username, name: z.string().nullable(), guest: z.boolean() })
  .meta({ id: 'PublicUser' });
export type PublicUser = z.infer<typeof PublicUser>;

/** What a person sees of themself. */
export const User = PublicUser.extend({ email: z.string().nullable(), createdAt: Timestamp }).meta({
  id: 'User',
  examples: [exampleUser],
});
export type User = z.infer<typeof User>;

export const GuestRequest = z
  .object({ username: Username })
  .meta({ id: 'GuestRequest', examples: [{ username: 'alice' }] });
export type GuestRequest = z.infer<typeof GuestRequest>;

export const RegisterRequest = z
  .object({ name: DisplayName, username: Username, email: Email, password: Password })
  .meta({
    id: 'RegisterRequest',
    examples: [
      { name: 'Alice Liddell', username: 'alice', email: 'alice@example.com', password: 'correct horse battery' },
    ],
  });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

const LoginIdentifier = z.string().trim().min(1, 'must not be empty').max(254).refine(isStorableText, STORABLE_TEXT);

/** The names the account may be given by: `login` (either), `username` or `email`. Send one. */
export const LOGIN_FIELDS = ['login', 'username', 'email'] as const;

export const LoginRequest = z
  .object({
    login: LoginIdentifier.optional().describe('Username or e-mail address.'),
    username: LoginIdentifier.optional().describe('The same as `login`, for clients that call it `username`.'),
    email: LoginIdentifier.optional().describe('The same as `login`, for clients that call it `email`.'),
    password: z.string().min(1, 'must not be empty').max(PASSWORD_MAX),
  })
  .superRefine((body, ctx) => {
    const given = LOGIN_FIELDS.filter((field) => body[field] !== undefined);
    if (given.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['login'],
        message: 'required: send the username or e-mail address as "login", "username" or "email"',
      });
      return;
    }
    // Several are fine when they name the same account (names and e-mails ignore case).
    const keys = new Set(given.map((field) => body[field]?.toLowerCase()));
    if (keys.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [given[1] as string],
        message: `must not differ from "${given[0]}": send one of ${given.map((f) => `"${f}"`).join(', ')}, not several`,
      });
    }
  })
  .describe('Exactly one of `login`, `username` or `email` (or several with the same value), and the password.')
  .meta({
    id: 'LoginRequest',
    examples: [
      { login: 'alice', password: 'correct horse battery' },
      { username: 'alice', password: 'correct horse battery' },
      { email: 'alice@example.com', password: 'correct horse battery' },
    ],
  });
export type LoginRequest = z.input<typeof LoginRequest>;

/** The username or e-mail address a validated sign-in names, whichever field carried it. */
export const loginIdentifier = (body: z.output<typeof LoginRequest>): string =>
  body.login ?? body.username ?? body.email ?? '';

/**
 * A session. The web client receives the token as an HttpOnly cookie as well and can ignore
 * it; mobile and API clients send it back as `Authorization: Bearer <token>`.
 */
export const SessionResponse = z.object({ user: User, token: z.string(), expiresAt: Timestamp }).meta({
  id: 'Session',
  examples: [
    {
      user: exampleUser,
      token: 'kq0m8Yd2b1vS6cJ3nW5tF7hR9xL4pZ0aE2gU8iO6yTk',
      expiresAt: '2026-12-21T11:31:00.000Z',
    },
  ],
});
export type SessionResponse = z.infer<typeof SessionResponse>;

/** `GET /auth/me`: the signed-in user, or `null` when there is no session (or it expired). */
export const MeResponse = z
  .object({
    user: User.nullable().describe('`null` when signed out: no session was sent, or it expired or was revoked.'),
  })
  .meta({ id: 'Me', examples: [{ user: exampleUser }, { user: null }] });
export type MeResponse = z.infer<typeof MeResponse>;
