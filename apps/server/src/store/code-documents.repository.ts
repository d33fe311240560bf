import type { Db } from './db.ts';

export async function loadCodeState(db: Db, roomId: string): Promise<Uint8Array | null> {
  const row = await db.selectFrom('code_documents').select('state').where('room_id', '=', roomId).executeTakeFirst();
  return row ? new Uint8Array(row.state) : null;
}

/** Writes the state; the whole merged document each time, so the newest write is complete. */
export async function saveCodeState(db: Db, roomId: string, state: Uint8Array, now: number): Promise<void> {
  await db
    .insertInto('code_documents')
    .values({ room_id: roomId, state, updated_at: now })
    .onConflict((oc) => oc.column('room_id').doUpdateSet({ state, updated_at: now }))
    .execute();
}

/** Writes the state only when the room has none yet (the first seed wins; later ones change nothing). */
export async function insertCodeStateIfMissing(db: Db, roomId: string, state: Uint8Array, now: number): Promise<void> {
  await db
    .insertInto('code_documents')
    .values({ room_id: roomId, state, updated_at: now })
    .onConflict((oc) => oc.column('room_id').doNothing())
    .execute();
}
