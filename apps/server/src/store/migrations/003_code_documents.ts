import { type Kysely, PostgresAdapter, sql } from 'kysely';

// The Yjs state of each code room (one merged update). Binary is `bytea` in PostgreSQL and
// `blob` in SQLite; both drivers read it back as a Buffer.
export async function up(db: Kysely<unknown>): Promise<void> {
  const binary = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
  await db.schema
    .createTable('code_documents')
    .addColumn('room_id', 'text', (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('state', sql.raw(binary), (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('code_documents').execute();
}
