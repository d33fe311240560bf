import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { User } from '@tandem/protocol';
import pg from 'pg';
import { afterAll } from 'vitest';
import { type App, buildApp } from '../src/app.ts';
import type { Clock } from '../src/clock.ts';
import { type Config, loadConfig } from '../src/config.ts';

export type Backend = { name: 'sqlite' | 'postgres'; database: () => Promise<Config['database']> };

const pgAdminUrl = process.env.TEST_DATABASE_URL;

// Cleanups run when the importing test file ends. Registered here, at collection time: Vitest
// never runs an afterAll registered from inside a beforeAll, where the databases are made.
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh PostgreSQL database per call, dropped when the file's tests end. */
async function freshPostgres(): Promise<Config['database']> {
  if (!pgAdminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tandem_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const cleanup = new pg.Client({ connectionString: pgAdminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  });
  const url = new URL(pgAdminUrl);
  url.pathname = `/${name}`;
  return { kind: 'postgres', url: url.toString() };
}

/** A fresh SQLite file per call, in a temp folder removed when the file's tests end. */
async function freshSqlite(): Promise<Config['database']> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { kind: 'sqlite', file: path.join(dir, 'tandem.db') };
}

/** SQLite always; PostgreSQL too whenever TEST_DATABASE_URL is set (CI sets it). */
export const backends: Backend[] = [
  { name: 'sqlite', database: freshSqlite },
  ...(pgAdminUrl ? [{ name: 'postgres' as const, database: freshPostgres }] : []),
];

export function testConfig(database: Config['database'], env: Record<string, string> = {}): Config {
  return {
    ...loadConfig({ DEFAULT_ROOMS: '', AUTH_RATE_LIMIT: '1000', SEND_RATE_LIMIT: '100000', ...env }),
    database,
  };
}

export async function startApp(config: Config, clock?: Clock): Promise<App> {
  const app = await buildApp(config, { logger: false, ...(clock ? { clock } : {}) });
  await app.ready();
  return app;
}

/** A clock the test moves by hand. */
export function manualClock(start = Date.UTC(2026, 10, 21, 11, 31)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

let counter = 0;
export const uniqueName = (prefix = 'user') =>
  `${prefix}${process.pid % 1000}${++counter}${randomBytes(2).toString('hex')}`;

/** A signed-in guest: its token and a header object for app.inject. */
export async function guest(app: App, username = uniqueName()) {
  const res = await app.inject({ method: 'POST', url: '/auth/guest', payload: { username } });
  if (res.statusCode !== 201) throw new Error(`guest sign-up failed: ${res.body}`);
  const body = res.json() as { token: string; user: { id: string; username: string } };
  return { token: body.token, user: body.user, headers: { authorization: `Bearer ${body.token}` } };
}

export async function createRoom(app: App, headers: Record<string, string>, name = uniqueName('room')) {
  const res = await app.inject({ method: 'POST', url: '/rooms', headers, payload: { name } });
  if (res.statusCode !== 201) throw new Error(`room creation failed: ${res.body}`);
  return (res.json() as { roomId: string }).roomId;
}

/** A user as services take one (the protocol's `User`), for tests that call a service directly. */
export const asUser = (u: { id: string; username: string }, guest = true): User => ({
  id: u.id,
  username: u.username,
  name: null,
  guest,
  email: null,
  createdAt: new Date(1_000).toISOString(),
});
