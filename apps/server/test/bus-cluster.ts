import { randomBytes } from 'node:crypto';
import type { ServerFrame } from '@tandem/protocol';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../scripts/server-process.ts';
import { backends, uniqueName } from './helpers.ts';
import { connectAs, type TestSocket } from './ws-helpers.ts';

/**
 * Two real server processes (`node src/main.ts`) on one fresh PostgreSQL database and a Redis
 * that the test owns (own-redis.ts), for the bus outage tests; and the REST and socket steps
 * those tests repeat.
 */

export const postgres = backends.find((b) => b.name === 'postgres');

export type Node = ServerProcess;
export type User = { token: string; user: { id: string; username: string }; name: string };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The environment of a node of this cluster: a fresh PostgreSQL database, `redisUrl`, `env`. */
export async function clusterEnv(redisUrl: string, env: Record<string, string>): Promise<Record<string, string>> {
  if (!postgres) throw new Error('TEST_DATABASE_URL is not set');
  const database = await postgres.database();
  if (database.kind !== 'postgres') throw new Error('expected a PostgreSQL database');
  return {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `tandem-test-${process.pid}-${randomBytes(4).toString('hex')}`,
    DEFAULT_ROOMS: '',
    AUTH_RATE_LIMIT: '1000',
    SEND_RATE_LIMIT: '100000',
    LOG_LEVEL: 'info',
    ...env,
  };
}

/** Nodes A and B, started together on the same environment (both migrate the empty database). */
export async function startTwoNodes(env: Record<string, string>): Promise<[Node, Node]> {
  return Promise.all([startServerProcess('A', env), startServerProcess('B', env)]);
}

export async function stopNodes(nodes: Array<Node | undefined>): Promise<void> {
  await Promise.all(nodes.filter((n) => n !== undefined).map((node) => stopServerProcess(node.child)));
}

/** Lines a node logged at error level or above (warnings are expected while Redis is down). */
export const errorsOf = (node: Node) => node.problems.filter((line) => !/"level":40/.test(line));

export async function api<T>(
  node: Node,
  method: 'GET' | 'POST',
  url: string,
  options: { token?: string; body?: unknown; status?: number } = {},
): Promise<T> {
  const res = await fetch(`${node.http}${url}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const expected = options.status ?? (method === 'POST' ? 201 : 200);
  if (res.status !== expected) {
    throw new Error(`${method} ${url} on node ${node.name} answered ${res.status}, not ${expected}: ${text}`);
  }
  return JSON.parse(text) as T;
}

export async function guestOn(node: Node, prefix: string): Promise<User> {
  const body = await api<{ token: string; user: User['user'] }>(node, 'POST', '/auth/guest', {
    body: { username: uniqueName(prefix) },
  });
  return { ...body, name: prefix };
}

export async function roomOn(node: Node, creator: User): Promise<string> {
  const body = await api<{ roomId: string }>(node, 'POST', '/rooms', {
    token: creator.token,
    body: { name: uniqueName('room') },
  });
  return body.roomId;
}

let refs = 0;

/** A socket of `user` on `node` that has joined `roomId` (pushed on `open`), and its join snapshot. */
export async function joinOn(node: Node, user: User, roomId: string, open: TestSocket[]) {
  const socket = await connectAs(node.ws, user.token);
  open.push(socket);
  const snapshot = await rejoin(socket, roomId);
  return { socket, snapshot };
}

/** Joins (again) as the client does, with `lastSeq` when given; the snapshot. */
export async function rejoin(socket: TestSocket, roomId: string, lastSeq?: number) {
  const ref = `join-${++refs}`;
  socket.send({ type: 'join', roomId, ref, ...(lastSeq === undefined ? {} : { lastSeq }) });
  return socket.next('joined', (f) => f.ref === ref, 10_000);
}

export const ids = (users: Array<{ id: string }>) => users.map((u) => u.id).sort();

/** The presence notices a socket got so far, as "join name" / "leave name" in order. */
export const notices = (socket: TestSocket, names: Map<string, string>) =>
  socket.frames
    .filter((f): f is Extract<ServerFrame, { type: 'presence' }> => f.type === 'presence')
    .map((f) => `${f.action} ${names.get(f.user.id) ?? f.user.username}`);

/** A counter's value in a node's /metrics. */
export async function metric(node: Node, name: string): Promise<number> {
  const text = await (await fetch(`${node.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}
