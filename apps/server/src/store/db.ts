import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type LogEvent,
  PostgresDialect,
  type PostgresPool,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import type { Config } from '../config.ts';
import * as m001 from './migrations/001_initial.ts';
import * as m002 from './migrations/002_uploads.ts';
import * as m003 from './migrations/003_code_documents.ts';
import * as m004 from './migrations/004_e2e.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Store = { db: Db; dialect: 'sqlite' | 'postgres'; close: () => Promise<void> };

const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_uploads': m002,
  '003_code_documents': m003,
  '004_e2e': m004,
};

// node-postgres returns int8 as strings to avoid precision loss; our int8 columns are
// millisecond times and counters, far below 2^53.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

export type StoreHooks = {
  /**
   * Errors of idle PostgreSQL connections (a restart, a failover, an admin terminating them):
   * unhandled, such an error would crash the process; the pool replaces the connection itself.
   */
  onError?: (error: Error) => void;
  /** Each query's duration in seconds (metrics). */
  onQuery?: (seconds: number) => void;
  /** SQLite: the checkpoint worker failed (the writer's backstop checkpoint still bounds the WAL). */
  onCheckpointError?: (error: Error) => void;
};

export function openStore(database: Config['database'], hooks: StoreHooks = {}): Store {
  const log = (event: LogEvent) => {
    if (event.level === 'query') hooks.onQuery?.(event.queryDurationMillis / 1000);
  };
  if (database.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: database.url,
      max: database.poolSize ?? 10,
      types: pgTypes,
      // A database that does not answer (a partition, a black-holed route) fails a new
      // connection after 5 s instead of holding the request until TCP gives up; keep-alive lets
      // the kernel find dead connections that sit idle in the pool.
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      // A transaction holds its rows' locks until it ends. If this process stops between two
      // statements of one (frozen, swapped out, its connection black-holed), every other node
      // writing those rows — the room's seq — would wait for it; PostgreSQL ends such a session
      // after this long instead, and the transaction rolls back as if the node had died.
      idle_in_transaction_session_timeout: database.idleTransactionTimeoutMs ?? 5000,
    });
    pool.on('error', hooks.onError ?? (() => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardCheckouts(pool) }), log });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (database.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(database.file)), { recursive: true });
  const sqlite = new SQLite(database.file);
  // WAL lets readers go on while a write commits; NORMAL sync is durable across process
  // crashes (not power loss mid-commit), the usual trade for a chat server.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const checkpointer = database.file === ':memory:' ? null : startCheckpointer(database.file, hooks.onCheckpointError);
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log });
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/**
 * The pool as Kysely sees it, with every checked-out client guarded. node-postgres listens for a
 * client's `error` only while the client is idle in the pool; a connection lost while it is
 * checked out (a query under way, or a transaction between two statements) emits `error` with
 * nobody listening, and an unhandled `error` event ends the process. Here a listener is attached
 * for the whole checkout: the query under way fails as usual (node-postgres rejects it), and the
 * client goes back with the error, so the pool destroys it instead of handing it out again.
 */
function guardCheckouts(pool: pg.Pool): PostgresPool {
  return {
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost ??= error;
      };
      client.on('error', onError);
      const release = client.release;
      client.release = (error?: Error | boolean) => {
        client.off('error', onError);
        release.call(client, error || lost);
      };
      return client;
    },
  };
}

/** How often the worker checkpoints the WAL. */
const CHECKPOINT_INTERVAL_MS = 500;
/**
 * The writer's own checkpoint, only past this many WAL pages (64 MB): by then the worker has
 * copied nearly everything, so it is short, and it lets the WAL start over from its beginning.
 * (SQLite's default, 1000 pages, ran a checkpoint with its fsyncs inside a commit every few
 * hundred messages: the largest latency outliers of benchmark scenario A.)
 */
const BACKSTOP_CHECKPOINT_PAGES = 16_384;

/** Checkpoints the WAL on a worker thread (sqlite-checkpointer.ts) until stopped. */
function startCheckpointer(file: string, onError: (error: Error) => void = () => {}) {
  const worker = new Worker(new URL('./sqlite-checkpointer.ts', import.meta.url), {
    workerData: { file: path.resolve(file), intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  worker.on('error', onError); // the writer's backstop checkpoint still bounds the WAL
  return {
    stop: async () => {
      const stopped = new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.once('message', () => resolve());
      });
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000).unref())]);
      await worker.terminate();
    },
  };
}

/** Most distinct SQL texts kept prepared; past that the cache starts again (queries with
 * variable-length IN lists would otherwise grow it without bound). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query afresh; preparing cost as much as running in the
 * benchmark's send path (docs/performance.md). better-sqlite3 statements are reusable and every
 * call here is synchronous, so one prepared statement per SQL text is safe. (Kysely's
 * `.stream()` would hold a statement mid-iteration; Tandem does not use it.)
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** True when the error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Runs `work` in one transaction: all of it commits, or none (a throw rolls back and rethrows).
 * Services decide what goes together and call this; repositories take whatever `db` they are
 * given (the pool or a transaction) and open none of their own. Inside a transaction already,
 * `work` joins it rather than nesting.
 */
export function withTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}
