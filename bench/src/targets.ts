/**
 * The servers under test and their life cycle. A target is opened once per scenario layout
 * (Tandem: a fresh database with the members' guest accounts and the rooms), then started afresh
 * for every measured run, pinned to core 0.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startServerProcess, stopServerProcess } from '../../apps/server/scripts/server-process.ts';
import type { Kind } from './plan.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PYTHON = '/usr/bin/python3';
const taskset = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).stdout.trim();
export const pinned = taskset !== '';

/** The command line, pinned to `core` when taskset exists. */
export const onCore = (core: number, args: string[]) =>
  (taskset ? [taskset, ['-c', String(core), ...args]] : [args[0], args.slice(1)]) as [string, string[]];

/** Pins a running process and all its threads. */
export function pin(pid: number | undefined, core: number): void {
  if (taskset && pid) spawnSync(taskset, ['-apc', String(core), String(pid)], { stdio: 'ignore' });
}

export type Layout = { rooms: number; membersPerRoom: number };

export type Running = { port: number; pid: number; http: string; stop: () => Promise<void> };

export type Session = {
  /** Room names (baselines) or ids (Tandem), and Tandem's member tokens. */
  rooms: string[];
  tokens?: string[];
  /** A fresh server on this session's data. */
  start: (extraEnv?: Record<string, string>) => Promise<Running>;
  close: () => Promise<void>;
  /** Tandem: the database file (SQLite), for seeding. */
  sqliteFile?: string;
};

export type Target = {
  name: string;
  short: string;
  kind: Kind;
  /** Why it cannot run here, or null. */
  unavailable: () => string | null;
  open: (layout: Layout) => Promise<Session>;
};

/** Baselines still running: killed if the runner exits or is interrupted. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Starts a baseline that prints `listening <port>`. */
async function startPrinting(args: string[]): Promise<Running> {
  const [command, rest] = onCore(0, args);
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let errors = '';
  child.stderr?.on('data', (d) => {
    errors += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${errors}`)), 15_000);
    child.stdout?.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited ${code}: ${errors.slice(-2000)}`));
    });
  });
  child.stdout?.resume();
  return { port, pid: child.pid ?? 0, http: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

function baseline(name: string, short: string, kind: Kind, args: string[], check: () => string | null): Target {
  return {
    name,
    short,
    kind,
    unavailable: check,
    open: async (layout) => ({
      rooms: Array.from({ length: layout.rooms }, (_, i) => `room${i}`),
      start: () => startPrinting(args),
      close: async () => {},
    }),
  };
}

export const wsTarget = baseline(
  'bare ws',
  'ws',
  'ws',
  [process.execPath, path.join(here, 'ws-baseline.ts')],
  () => null,
);

export const socketIoTarget = baseline(
  'Socket.IO 4',
  'Socket.IO',
  'socketio',
  [process.execPath, path.join(here, 'socketio-baseline.ts')],
  () => {
    try {
      import.meta.resolve('socket.io');
      return null;
    } catch {
      return 'socket.io is not installed (npm install)';
    }
  },
);

export const fastApiTarget = baseline(
  'FastAPI + uvicorn',
  'FastAPI',
  'fastapi',
  [PYTHON, path.join(here, 'fastapi_baseline.py')],
  () =>
    spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn, websockets'], { stdio: 'ignore' }).status === 0
      ? null
      : `${PYTHON} cannot import fastapi, uvicorn and websockets (apt-get install python3-fastapi python3-uvicorn python3-websockets)`,
);

const PG_ADMIN = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL is not reachable at ${PG_ADMIN.replace(/\/\/[^@]*@/, '//')}: ${String(error)}`;
  } finally {
    await client.end().catch(() => {});
  }
}
export const postgresProblem = await postgresReachable();

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Tandem's limits raised so that the load generator is never refused. */
const TANDEM_ENV = {
  DEFAULT_ROOMS: '',
  AUTH_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT: '1000000',
  WS_SENDS_PER_SECOND: '100000',
  WS_SEND_BURST: '100000',
  WS_MAX_SOCKETS_PER_USER: '100000',
};

/** Runs `fn` over 0…n-1, `width` at a time. */
async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

function tandem(database: 'sqlite' | 'postgres'): Target {
  return {
    name: database === 'sqlite' ? 'Tandem (SQLite)' : 'Tandem (PostgreSQL)',
    short: database === 'sqlite' ? 'Tandem' : 'Tandem PG',
    kind: 'tandem',
    unavailable: () => (database === 'postgres' ? postgresProblem : null),
    open: async (layout) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
      const dbName = `tandem_bench_${process.pid}_${Date.now()}`;
      const sqliteFile = path.join(dir, 'bench.db');
      if (database === 'postgres') await adminQuery(`create database ${dbName}`);
      const url =
        database === 'sqlite'
          ? `sqlite:${sqliteFile}`
          : PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`).replace(/\?.*$/, '');
      const start = async (extraEnv: Record<string, string> = {}): Promise<Running> => {
        const server = await startServerProcess('bench', {
          DATABASE_URL: url,
          UPLOAD_DIR: path.join(dir, 'uploads'),
          ...TANDEM_ENV,
          ...extraEnv,
          ...(process.env.BENCH_SERVER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS } : {}),
        });
        pin(server.child.pid, 0);
        const port = Number(new URL(server.http).port);
        return {
          port,
          pid: server.child.pid ?? 0,
          http: server.http,
          stop: async () => {
            await stopServerProcess(server.child);
          },
        };
      };
      // Setup: a guest account per member and the rooms (members join over the socket later).
      const setup = await start();
      const post = async <T>(route: string, body: unknown, token?: string): Promise<T> => {
        const response = await fetch(`${setup.http}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
        return (await response.json()) as T;
      };
      const members = layout.rooms * layout.membersPerRoom;
      const tokens = (
        await pool(members, 8, (i) => post<{ token: string }>('/auth/guest', { username: `bench${i}` }))
      ).map((r) => r.token);
      const rooms = await pool(layout.rooms, 4, async (r) => {
        const created = await post<{ roomId: string }>(
          '/rooms',
          { name: `bench ${r}` },
          tokens[r * layout.membersPerRoom],
        );
        return created.roomId;
      });
      await setup.stop();
      return {
        rooms,
        tokens,
        start,
        ...(database === 'sqlite' ? { sqliteFile } : {}),
        close: async () => {
          fs.rmSync(dir, { recursive: true, force: true });
          if (database === 'postgres') await adminQuery(`drop database if exists ${dbName} with (force)`);
        },
      };
    },
  };
}

export const tandemSqlite = tandem('sqlite');
export const tandemPostgres = tandem('postgres');

/** Rooms' message counts as Tandem reports them (GET /rooms), summed: what was persisted. */
export async function persistedMessages(running: Running, token: string, roomIds: string[]): Promise<number> {
  const response = await fetch(`${running.http}/rooms?limit=500`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { rooms: Array<{ id: string; messageCount: number }> };
  const wanted = new Set(roomIds);
  return body.rooms.filter((r) => wanted.has(r.id)).reduce((sum, r) => sum + r.messageCount, 0);
}
