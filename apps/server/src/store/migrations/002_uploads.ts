import type { Kysely } from 'kysely';

// Uploaded files. A file belongs to its uploader until it is attached to one message; files
// never attached are swept after UPLOAD_ORPHAN_TTL. Index reasons are in docs/database.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.references('messages.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('uploads_message_id').on('uploads').column('message_id').execute();
  await db.schema.createIndex('uploads_owner_id').on('uploads').column('owner_id').execute();
  await db.schema.createIndex('uploads_created_at').on('uploads').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('uploads').execute();
}
