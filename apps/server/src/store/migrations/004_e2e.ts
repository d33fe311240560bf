import type { Kysely } from 'kysely';

// End-to-end encrypted rooms: public device keys, wrapped room keys (envelopes), pending key
// requests, and the ciphertext of messages. Nothing here can decrypt anything.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('devices')
    .addColumn('device_id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('signing_key', 'text', (c) => c.notNull())
    .addColumn('exchange_key', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('devices_user_id').on('devices').column('user_id').execute();

  await db.schema
    .createTable('key_envelopes')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('recipient_device_id', 'text', (c) => c.notNull().references('devices.device_id').onDelete('cascade'))
    .addColumn('sender_device_id', 'text', (c) => c.notNull())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_envelopes_pk', ['room_id', 'epoch', 'recipient_device_id'])
    .execute();

  await db.schema
    .createTable('key_requests')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('key_requests_pk', ['room_id', 'device_id'])
    .execute();

  await db.schema.alterTable('messages').addColumn('sealed', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('sealed').execute();
  for (const table of ['key_requests', 'key_envelopes', 'devices']) await db.schema.dropTable(table).execute();
}
