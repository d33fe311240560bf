import { type Insertable, type Selectable, sql } from 'kysely';
import type { Db } from './db.ts';
import type { UsersTable } from './schema.ts';

/**
 * A user as every reader outside this file sees it: no password hash, `guest` computed in SQL
 * (`password_hash is null`). Only `findCredentials` ever hands out the hash.
 */
export type UserRow = Omit<Selectable<UsersTable>, 'password_hash'> & { guest: boolean };

/** What the SQL `guest` column comes back as: a boolean (PostgreSQL) or 0/1 (SQLite). */
type RawGuest = { guest: boolean | number };

/**
 * The user columns every repository selects (in a join too: they are qualified with `users.`):
 * all but the hash, plus `guest`. Pass the row through `toUserRow` to make `guest` a boolean.
 */
export const userColumns = () =>
  [
    'users.id',
    'users.username',
    'users.username_key',
    'users.name',
    'users.email',
    'users.email_key',
    'users.message_count',
    'users.created_at',
    guestColumn().as('guest'),
  ] as const;

/** `users.password_hash is null`: whether the user is a guest, without reading the hash out. */
export const guestColumn = () => sql<boolean | number>`(users.password_hash is null)`;

export function toUserRow<T extends RawGuest>(row: T): Omit<T, 'guest'> & { guest: boolean } {
  return { ...row, guest: Boolean(row.guest) };
}

export async function insertUser(db: Db, user: Insertable<UsersTable>): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').select(userColumns()).where('users.id', '=', id).executeTakeFirst();
  return row && toUserRow(row);
}

/** `key` is a lower-cased username or e-mail address. */
export async function findUserByLoginKey(db: Db, key: string): Promise<UserRow | undefined> {
  const row = await db
    .selectFrom('users')
    .select(userColumns())
    .where((eb) => eb.or([eb('users.username_key', '=', key), eb('users.email_key', '=', key)]))
    .executeTakeFirst();
  return row && toUserRow(row);
}

/**
 * The one read of a password hash: signing in. `key` is a lower-cased username or e-mail
 * address. The hash stays beside the user, never on it, so it goes no further than the check.
 */
export async function findCredentials(
  db: Db,
  key: string,
): Promise<{ user: UserRow; passwordHash: string | null } | undefined> {
  const row = await db
    .selectFrom('users')
    .select(userColumns())
    .select('users.password_hash')
    .where((eb) => eb.or([eb('users.username_key', '=', key), eb('users.email_key', '=', key)]))
    .executeTakeFirst();
  if (!row) return undefined;
  const { password_hash, ...user } = row;
  return { user: toUserRow(user), passwordHash: password_hash };
}

export async function findUserByUsernameKey(db: Db, key: string): Promise<UserRow | undefined> {
  const row = await db
    .selectFrom('users')
    .select(userColumns())
    .where('users.username_key', '=', key)
    .executeTakeFirst();
  return row && toUserRow(row);
}

/** Turns a guest into a registered account, keeping its id and so its history. */
export async function upgradeGuest(
  db: Db,
  id: string,
  account: Pick<Selectable<UsersTable>, 'username' | 'username_key' | 'name' | 'email' | 'email_key' | 'password_hash'>,
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set(account)
    .where('id', '=', id)
    .where('password_hash', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function listUserMessageCounts(db: Db, limit: number) {
  return db
    .selectFrom('users')
    .select(['id', 'username', 'message_count'])
    .where('message_count', '>', 0)
    .orderBy('message_count', 'desc')
    .orderBy('username_key')
    .limit(limit)
    .execute();
}
