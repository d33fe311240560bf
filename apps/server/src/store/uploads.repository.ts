import { type Insertable, type Selectable, sql, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database, UploadsTable } from './schema.ts';

export type UploadRow = Selectable<UploadsTable>;

export async function insertUploads(db: Db, rows: Insertable<UploadsTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('uploads').values(rows).execute();
}

/**
 * Attaches the sender's own, still unattached uploads to a message, inside the message's
 * transaction. Returns how many were attached: fewer than asked means some id was unknown,
 * someone else's, or already attached — the caller rolls back.
 */
export async function attachUploads(
  trx: Transaction<Database>,
  ids: string[],
  ownerId: string,
  messageId: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('uploads')
    .set({ message_id: messageId })
    .where('id', 'in', ids)
    .where('owner_id', '=', ownerId)
    .where('message_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The attachments of these messages, oldest upload first. */
export function listAttachments(db: Db, messageIds: string[]): Promise<UploadRow[]> {
  if (messageIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('message_id', 'in', messageIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Uploads never attached and older than `before`, a batch at a time. */
export function listOrphans(db: Db, before: number, limit: number): Promise<UploadRow[]> {
  return db
    .selectFrom('uploads')
    .selectAll()
    .where('message_id', 'is', null)
    .where('created_at', '<', before)
    .limit(limit)
    .execute();
}

/**
 * Deletes these uploads if they are still unattached (one may have been attached since it was
 * listed). Returns the stored names of the rows deleted: only those files may be removed.
 */
export async function deleteUnattached(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom('uploads')
    .where('id', 'in', ids)
    .where('message_id', 'is', null)
    .returning('stored_name')
    .execute();
  return rows.map((r) => r.stored_name);
}

/**
 * What one user's files take up: every stored upload (`total`), and those uploaded since
 * `since` (`recent`). Files swept as orphans no longer count. Uses the owner index.
 */
export async function usageOf(db: Db, ownerId: string, since: number): Promise<{ total: number; recent: number }> {
  const row = await db
    .selectFrom('uploads')
    .select([
      sql<string | number>`coalesce(sum(size), 0)`.as('total'),
      sql<string | number>`coalesce(sum(case when created_at >= ${since} then size else 0 end), 0)`.as('recent'),
    ])
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  // PostgreSQL sums bigints as numeric, which arrives as a string.
  return { total: Number(row?.total ?? 0), recent: Number(row?.recent ?? 0) };
}
