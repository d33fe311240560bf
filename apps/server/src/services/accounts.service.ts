import { hash, verify } from '@node-rs/argon2';
import type { RegisterRequest, SessionResponse, User, UserMessageCounts } from '@tandem/protocol';
import { type Clock, toIso } from '../clock.ts';
import { conflict, rateLimited, unauthorized } from '../errors.ts';
import { hashToken, newSessionToken, randomId } from '../ids.ts';
import { type Db, isUniqueViolation } from '../store/db.ts';
import * as sessions from '../store/sessions.repository.ts';
import * as users from '../store/users.repository.ts';
import type { FailureLimiter } from './failure-limiter.ts';
import { toUser } from './mappers.ts';

export type AccountsDeps = {
  db: Db;
  clock: Clock;
  sessionTtlSeconds: number;
  loginFailures: FailureLimiter;
};

/**
 * A live session: its user as services see one (the protocol's `User`, never a database row),
 * the token's hash and when it ends.
 */
export type Authenticated = { user: User; tokenHash: string /** ms since the epoch */; expiresAt: number };

/**
 * Why a session ended before its time: signed out, or replaced by a new session of the same user
 * (a guest who registered).
 */
export type SessionEnd = 'signed_out' | 'replaced';

/**
 * A session token could not be checked just now (its look-up failed): not a verdict on the token.
 * Sockets close with 1013 (try again later) and REST answers 503, never 4401/401, which clients
 * take as "signed out".
 */
export class SessionCheckError extends Error {
  constructor(cause: unknown) {
    super('the session could not be checked: its look-up failed', { cause });
    this.name = 'SessionCheckError';
  }
}

const WRONG_CREDENTIALS = 'Wrong username, e-mail or password.';

// The library's default algorithm is argon2id (a test checks the stored hash says so); these
// are the OWASP minimum costs (19 MiB, 2 passes, 1 lane): about 30 ms a hash here.
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const usernameKey = (username: string) => username.trim().toLowerCase();
const emailKey = (email: string) => email.trim().toLowerCase();

/** Accounts and sessions: guests, registration, login, logout, token checks. */
export function accountsService(deps: AccountsDeps) {
  const { db, clock } = deps;
  // Verifying against this when the account does not exist makes "unknown user" take as long
  // as "wrong password", so response times do not reveal which usernames exist.
  const dummyHash = hash('tandem-timing-equaliser', ARGON2);
  const endedListeners = new Set<(tokenHash: string, why: SessionEnd) => void>();

  async function startSession(user: User | users.UserRow): Promise<SessionResponse> {
    const token = newSessionToken();
    const now = clock.now();
    const expiresAt = now + deps.sessionTtlSeconds * 1000;
    await sessions.insertSession(db, {
      token_hash: hashToken(token),
      user_id: user.id,
      created_at: now,
      expires_at: expiresAt,
    });
    return { user: 'createdAt' in user ? user : toUser(user), token, expiresAt: toIso(expiresAt) };
  }

  function usernameTaken(username: string) {
    return conflict(`The username "${username}" is taken. Pick another one, or sign in if it is yours.`, {
      field: 'username',
    });
  }

  return {
    /** A guest has only a username; it gets a session at once. */
    async joinAsGuest(username: string): Promise<SessionResponse> {
      const user: users.UserRow = {
        id: randomId(),
        username: username.trim(),
        username_key: usernameKey(username),
        name: null,
        email: null,
        email_key: null,
        guest: true,
        message_count: 0,
        created_at: clock.now(),
      };
      try {
        const { guest: _, ...row } = user;
        await users.insertUser(db, { ...row, password_hash: null });
      } catch (error) {
        if (isUniqueViolation(error)) throw usernameTaken(user.username);
        throw error;
      }
      return startSession(user);
    },

    /**
     * Registers an account. A guest who registers keeps its id, and so its rooms and history;
     * it may keep its username or take a free one.
     */
    async register(input: RegisterRequest, current: User | null): Promise<SessionResponse> {
      const account = {
        username: input.username.trim(),
        username_key: usernameKey(input.username),
        name: input.name.replace(/\s+/g, ' ').trim(),
        email: input.email.trim(),
        email_key: emailKey(input.email),
        password_hash: await hash(input.password, ARGON2),
      };
      const holder = await users.findUserByUsernameKey(db, account.username_key);
      if (holder && holder.id !== current?.id) throw usernameTaken(account.username);
      const emailHolder = await users.findUserByLoginKey(db, account.email_key);
      if (emailHolder && emailHolder.id !== current?.id) {
        throw conflict('An account with this e-mail address exists already. Sign in instead.', { field: 'email' });
      }
      try {
        const { password_hash: _, ...profile } = account;
        if (current?.guest && (await users.upgradeGuest(db, current.id, account))) {
          return startSession({
            ...current,
            username: profile.username,
            name: profile.name,
            email: profile.email,
            guest: false,
          });
        }
        const user: users.UserRow = {
          id: randomId(),
          ...profile,
          guest: false,
          message_count: 0,
          created_at: clock.now(),
        };
        await users.insertUser(db, { ...account, id: user.id, message_count: 0, created_at: user.created_at });
        return startSession(user);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('That username or e-mail address was taken a moment ago.');
        throw error;
      }
    },

    /** `clientKey` identifies the caller (its address) for the failed-login limit. */
    async login(login: string, password: string, clientKey: string): Promise<SessionResponse> {
      const key = emailKey(login);
      const limiterKey = `${clientKey}|${key}`;
      const wait = await deps.loginFailures.retryAfterSeconds(limiterKey);
      if (wait > 0) throw rateLimited(`Too many failed sign-ins. Try again in ${wait} seconds.`, wait);
      const found = await users.findCredentials(db, key);
      let ok = false;
      if (found?.passwordHash) ok = await verify(found.passwordHash, password);
      else await verify(await dummyHash, password);
      if (!found || !ok) {
        await deps.loginFailures.recordFailure(limiterKey);
        throw unauthorized(WRONG_CREDENTIALS);
      }
      await deps.loginFailures.reset(limiterKey);
      return startSession(found.user);
    },

    /** Revokes a session; its open sockets hear of it through `onSessionEnded`. */
    async logout(tokenHash: string, why: SessionEnd = 'signed_out'): Promise<void> {
      await sessions.deleteSession(db, tokenHash);
      for (const listener of endedListeners) listener(tokenHash, why);
    },

    /** Listeners hear of every session revoked before its time (sockets opened with it close). */
    onSessionEnded(listener: (tokenHash: string, why: SessionEnd) => void): () => void {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },

    /**
     * The signed-in user for a token, or null when it is unknown or expired. Throws a
     * `SessionCheckError` when the token could not be looked up (the database did not answer):
     * that says nothing about the token, so callers must not treat it as signed out.
     */
    async authenticate(token: string): Promise<Authenticated | null> {
      const tokenHash = hashToken(token);
      let found: Awaited<ReturnType<typeof sessions.findSessionUser>>;
      try {
        found = await sessions.findSessionUser(db, tokenHash, clock.now());
      } catch (error) {
        throw new SessionCheckError(error);
      }
      return found ? { user: toUser(found.user), tokenHash, expiresAt: found.expiresAt } : null;
    },

    me(user: User): User {
      return user;
    },

    deleteExpiredSessions: () => sessions.deleteExpiredSessions(db, clock.now()),

    /** Seed 002's per-user message counts, most active first. */
    async messageCounts(limit: number): Promise<UserMessageCounts['users']> {
      const rows = await users.listUserMessageCounts(db, limit);
      return rows.map((u) => ({ userId: u.id, username: u.username, messageCount: u.message_count }));
    },
  };
}
export type AccountsService = ReturnType<typeof accountsService>;
