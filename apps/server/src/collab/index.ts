import { Database } from '@hocuspocus/extension-database';
import { Redis } from '@hocuspocus/extension-redis';
import { Hocuspocus } from '@hocuspocus/server';
import type { FastifyInstance } from 'fastify';
import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import { SESSION_COOKIE } from '../http/auth-hook.ts';
import type { Services } from '../services/index.ts';
import { routeLibraryConsole } from '../library-console.ts';
import { toPublicUser } from '../services/mappers.ts';
import { insertCodeStateIfMissing, loadCodeState, saveCodeState } from '../store/code-documents.repository.ts';
import type { Db } from '../store/db.ts';
import { CODE_TEXT, META_MAP, readState, seedState } from './seed.ts';

/** Path of the Yjs sync socket; the document name in each message is the room id. */
export const CODE_SOCKET_PATH = '/ws/code';

const cookieValue = (header: string | null, name: string) =>
  header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1];

/** Hocuspocus sends a refused client the error's `reason` (else only "permission-denied"). */
const refusal = (reason: string) => Object.assign(new Error(reason), { reason });

function redisExtension(url: string, prefix: string) {
  const u = new URL(url);
  return new Redis({
    host: u.hostname,
    port: Number(u.port || 6379),
    prefix: `${prefix}:code`,
    options: {
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      db: Number(u.pathname.slice(1) || 0),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
}

/**
 * Code rooms: one Yjs document per room, synced with Hocuspocus over `/ws/code` on this server,
 * persisted to the database (debounced, and flushed on shutdown), shared across nodes through
 * Redis when REDIS_URL is set. A room's document is seeded on the server only, and only when the
 * database holds none for it.
 */
export function registerCollab(
  app: FastifyInstance,
  deps: { services: Services; db: Db; clock: Clock; redisUrl: string | undefined; redisPrefix: string },
) {
  const { services, db, clock } = deps;

  // Set once shutdown has stored every document: late store hooks (sockets closing) have nothing
  // newer to write, and the database may already be closed.
  let flushed = false;
  const inFlight = new Set<Promise<void>>();
  const persist = async (roomId: string, state: Uint8Array) => {
    if (flushed) return;
    const write = saveCodeState(db, roomId, state, clock.now());
    inFlight.add(write);
    try {
      await write;
    } finally {
      inFlight.delete(write);
    }
  };

  // Hocuspocus writes every malformed message a client sends to the console, with its stack:
  // while this server runs, those become capped log lines instead (library-console.ts).
  const restoreConsole = routeLibraryConsole(app.log);
  app.addHook('onClose', async () => restoreConsole());
  const hocuspocus = new Hocuspocus({
    quiet: true,
    debounce: 1000,
    maxDebounce: 5000,
    extensions: [
      new Database({
        fetch: async ({ documentName }) => {
          const stored = await loadCodeState(db, documentName);
          if (stored) return stored;
          const room = await services.rooms.requireRoom(documentName);
          await insertCodeStateIfMissing(db, documentName, seedState(room.name), clock.now());
          return loadCodeState(db, documentName);
        },
        store: async ({ documentName, state }) => persist(documentName, state),
      }),
      ...(deps.redisUrl ? [redisExtension(deps.redisUrl, deps.redisPrefix)] : []),
    ],
    // Who may open a document: a signed-in user (guests too), and only a code room's.
    async onAuthenticate({ token, documentName, requestHeaders }) {
      const sessionToken = token || cookieValue(requestHeaders.get('cookie'), SESSION_COOKIE);
      const auth = sessionToken ? await services.accounts.authenticate(sessionToken) : null;
      if (!auth) throw refusal('Sign in or join as a guest first.');
      const room = await services.rooms.findRoom(documentName);
      if (!room) throw refusal('No room has this id. It may have been mistyped.');
      if (room.kind !== 'code') throw refusal('This room has no code editor.');
      await services.rooms.joinById(documentName, auth.user);
      return { user: toPublicUser(auth.user) };
    },
  });

  app.get(CODE_SOCKET_PATH, { websocket: true, schema: { hide: true } }, (socket, request) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    }
    const webRequest = new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, { headers });
    const connection = hocuspocus.handleConnection(socket, webRequest, {});
    socket.on('message', (data: Buffer) => connection.handleMessage(new Uint8Array(data)));
    socket.on('close', (code: number, reason: Buffer) => connection.handleClose({ code, reason: reason.toString() }));
  });

  // Shutdown: close the sockets (no edit can arrive after), store every open document now rather
  // than after the debounce, and only then let the database close.
  app.addHook('preClose', async () => {
    hocuspocus.closeConnections();
    await Promise.all(
      [...hocuspocus.documents.values()].map((document) => persist(document.name, Y.encodeStateAsUpdate(document))),
    );
    flushed = true;
    // Stores started by closing sockets may still be running: the database must outlive them.
    await Promise.allSettled([...inFlight]);
  });

  return {
    hocuspocus,
    /** The room's current code: live when a node here has it open, else as stored (or seeded). */
    async read(roomId: string): Promise<{ code: string; language: string }> {
      const room = await services.rooms.requireRoom(roomId);
      const live = hocuspocus.documents.get(roomId);
      if (live) {
        return {
          code: live.getText(CODE_TEXT).toString(),
          language: String(live.getMap(META_MAP).get('language') ?? 'python'),
        };
      }
      return readState((await loadCodeState(db, roomId)) ?? seedState(room.name));
    },
  };
}
export type Collab = ReturnType<typeof registerCollab>;
