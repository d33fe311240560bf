import type { Generated } from 'kysely';

/**
 * Table types. Times are milliseconds since the epoch (integer in SQLite, bigint in
 * PostgreSQL, read back as numbers) and booleans are 0/1, so both dialects return the
 * same JavaScript values.
 */
export type Database = {
  users: UsersTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  messages: MessagesTable;
  uploads: UploadsTable;
  code_documents: CodeDocumentsTable;
  devices: DevicesTable;
  key_envelopes: KeyEnvelopesTable;
  key_requests: KeyRequestsTable;
};

export type DevicesTable = {
  device_id: string;
  user_id: string;
  signing_key: string;
  exchange_key: string;
  /** The device's own signature over (user, device, keys): the server cannot forge a binding. */
  signature: string;
  created_at: number;
};

export type KeyEnvelopesTable = {
  room_id: string;
  epoch: number;
  recipient_device_id: string;
  sender_device_id: string;
  /** The envelope as JSON: ciphertext only, openable by the recipient device alone. */
  envelope: string;
  created_at: number;
};

export type KeyRequestsTable = { room_id: string; device_id: string; created_at: number };

export type CodeDocumentsTable = {
  room_id: string;
  /** The document's whole Yjs state, as one update (Y.encodeStateAsUpdate). */
  state: Uint8Array;
  updated_at: number;
};

export type UsersTable = {
  id: string;
  username: string;
  /** lower-cased username: the unique key. */
  username_key: string;
  name: string | null;
  email: string | null;
  /** lower-cased e-mail: the unique key (NULL for guests). */
  email_key: string | null;
  /** argon2id PHC string; NULL for guests. */
  password_hash: string | null;
  /** Messages this user has sent in all rooms (kept in the same transaction as each insert). */
  message_count: Generated<number>;
  created_at: number;
};

export type SessionsTable = {
  /** sha256 of the token: a database leak does not leak usable sessions. */
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
};

export type RoomsTable = {
  id: string;
  name: string;
  /** Normalised name (NFKC, lower case, single spaces): the unique key. */
  name_key: string;
  kind: 'chat' | 'code';
  encrypted: number;
  created_by: string | null;
  created_at: number;
  /** Highest seq given out. Seqs are gap-free and never deleted, so it is also the message count. */
  last_seq: Generated<number>;
  last_activity_at: number;
};

export type RoomMembersTable = {
  room_id: string;
  user_id: string;
  joined_at: number;
  last_read_seq: Generated<number>;
};

export type MessagesTable = {
  id: string;
  room_id: string;
  seq: number;
  sender_id: string;
  client_message_id: string;
  body: string;
  /** Encrypted rooms: the sealed message as JSON (body is then empty). */
  sealed: string | null;
  created_at: number;
};

export type UploadsTable = {
  id: string;
  owner_id: string;
  /** Random name in UPLOAD_DIR, served at /static/<stored_name>. */
  stored_name: string;
  /** As the uploader named it, for display only: it never touches the file system. */
  original_name: string;
  content_type: string;
  size: number;
  created_at: number;
  /** NULL until attached; a file is attached to one message at most. */
  message_id: string | null;
};
