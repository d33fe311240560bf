import type { Insertable } from 'kysely';
import type { Db } from './db.ts';
import type { SessionsTable } from './schema.ts';
import { toUserRow, type UserRow, userColumns } from './users.repository.ts';

export async function insertSession(db: Db, session: Insertable<SessionsTable>): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** The user behind a live session, or undefined when the token is unknown or expired. */
export async function findSessionUser(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<{ user: UserRow; expiresAt: number } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(userColumns())
    .select('sessions.expires_at as session_expires_at')
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  if (!row) return undefined;
  const { session_expires_at, ...user } = row;
  return { user: toUserRow(user), expiresAt: session_expires_at };
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
