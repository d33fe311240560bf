import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { UsersTable } from './schema.ts';

export type UserRow = Selectable<UsersTable>;

export async function insertUser(db: Db, user: Insertable<UsersTable>): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** `key` is a lower-cased username or e-mail address. */
export function findUserByLoginKey(db: Db, key: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username_key', '=', key), eb('email_key', '=', key)]))
    .executeTakeFirst();
}

export function findUserByUsernameKey(db: Db, key: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username_key', '=', key).executeTakeFirst();
}

/** Turns a guest into a registered account, keeping its id and so its history. */
export async function upgradeGuest(
  db: Db,
  id: string,
  account: Pick<UserRow, 'username' | 'username_key' | 'name' | 'email' | 'email_key' | 'password_hash'>,
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
