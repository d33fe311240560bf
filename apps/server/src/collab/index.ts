import { Database } from '@hocuspocus/extension-database';
import { Redis } from '@hocuspocus/extension-redis';
import { type Connection, type Document, Hocuspocus, type onAuthenticatePayload } from '@hocuspocus/server';
import type { PublicUser } from '@tandem/protocol';
import {
  CloseCode,
  CODE_DEFAULT_LANGUAGE,
  CODE_LANGUAGE_KEY,
  CODE_LEFT_ROOM,
  CODE_META,
  CODE_SESSION_UNCHECKED,
  CODE_TEXT,
  CodeCloseCode,
} from '@tandem/protocol/constants';
import type { FastifyInstance } from 'fastify';
import * as Y from 'yjs';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { forbidden, isStoreUnavailable } from '../errors.ts';
import { SESSION_COOKIE } from '../http/auth-hook.ts';
import { routeLibraryConsole } from '../library-console.ts';
import { createLogLimiter } from '../log-limiter.ts';
import { onAccountEvent } from '../realtime/index.ts';
import { SessionCheckError } from '../services/accounts.service.ts';
import type { Services } from '../services/index.ts';
import { toPublicUser } from '../services/mappers.ts';
import { insertCodeStateIfMissing, loadCodeState, saveCodeState } from '../store/code-documents.repository.ts';
import type { Db } from '../store/db.ts';
import { awarenessUser, ByteBudget, DocumentSizes } from './limits.ts';
import { readState, seedState } from './seed.ts';

/** Path of the Yjs sync socket; the document name in each message is the room id. */
export const CODE_SOCKET_PATH = '/ws/code';

/** Why the server closes a code socket: defined with the protocol, which the web app reads too. */
export { CodeCloseCode };

/** The largest awareness state (name, colour, cursor) a client may publish; bigger ones are dropped. */
const MAX_AWARENESS_STATE_CHARS = 4096;

/** What `onAuthenticate` leaves on each document connection. */
type CodeContext = { socketKey: string; user?: PublicUser };

/** Close reasons for sessions that end while their code sockets are open (as on `/ws`). */
const SESSION_CLOSED = {
  signed_out: 'signed out: this session was ended; sign in again',
  expired: 'session expired: sign in again',
};

/** How often open code sockets are checked for sessions that ran out (besides on each frame). */
const EXPIRY_CHECK_MS = 30_000;

/** One `/ws/code` socket on this node, and what was let in on it. */
type CodeSocket = {
  close(code: number, reason: string): void;
  userIds: Set<string>;
  /** Sessions its documents were opened with: token hash → expiry (ms since the epoch). */
  sessions: Map<string, number>;
  /** Rooms its user left while it had them open: not opened again on this socket. */
  left: Set<string>;
};

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

const cookieValue = (header: string | null, name: string) =>
  header
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name)?.[1];

/** Hocuspocus sends a refused client the error's `reason` (else only "permission-denied"). */
const refusal = (reason: string) => Object.assign(new Error(reason), { reason });

/**
 * The Redis extension's two connections (publish, subscribe), with their errors logged at warn
 * through the app's logger: without a listener, ioredis prints "[ioredis] Unhandled error event"
 * and a stack for every failed reconnect while Redis is down. ioredis retries by itself; at most
 * 5 lines a minute per connection (then a count), and one line when it is back.
 */
function redisExtension(url: string, prefix: string, log: FastifyInstance['log']) {
  const u = new URL(url);
  const extension = new Redis({
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
  const errors = createLogLimiter(log, { perMinute: 5, what: 'code-room Redis connection errors' });
  for (const [connection, client] of [
    ['publisher', extension.pub],
    ['subscriber', extension.sub],
  ] as const) {
    let failing = false;
    client.on('error', (error: Error) => {
      failing = true;
      errors.log('warn', connection, { err: error, connection }, 'code-room Redis connection error');
    });
    client.on('ready', () => {
      if (!failing) return;
      failing = false;
      log.info({ connection }, 'code-room Redis connection back');
    });
  }
  return { extension, close: () => errors.close() };
}

/**
 * Code rooms: one Yjs document per room, synced with Hocuspocus over `/ws/code` on this server,
 * persisted to the database (debounced, and flushed on shutdown), shared across nodes through
 * Redis when REDIS_URL is set. A room's document is seeded on the server only, and only when the
 * database holds none for it.
 */
export function registerCollab(
  app: FastifyInstance,
  deps: {
    services: Services;
    db: Db;
    clock: Clock;
    redisUrl: string | undefined;
    redisPrefix: string;
    limits: Config['code'];
  },
) {
  const { services, db, clock, limits } = deps;
  const sizes = new DocumentSizes(limits.maxDocumentBytes);
  // Code documents open per user on this node: `${socketKey}\0${documentName}` entries.
  const openByUser = new Map<string, Set<string>>();
  const sockets = new Map<string, CodeSocket>();
  let socketCounter = 0;
  const forget = (userId: string, key: string) => {
    const open = openByUser.get(userId);
    open?.delete(key);
    if (open?.size === 0) openByUser.delete(userId);
  };

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

  // Which connection speaks for which awareness client id, per document.
  const ownersByDocument = new WeakMap<Document, Map<number, Connection>>();
  const awarenessOwners = (document: Document) => {
    let owners = ownersByDocument.get(document);
    if (!owners) {
      owners = new Map();
      ownersByDocument.set(document, owners);
    }
    return owners;
  };

  // Hocuspocus writes every malformed message a client sends to the console, with its stack:
  // while this server runs, those become capped log lines instead (library-console.ts).
  const restoreConsole = routeLibraryConsole(app.log);
  app.addHook('onClose', async () => restoreConsole());
  const redis = deps.redisUrl ? redisExtension(deps.redisUrl, deps.redisPrefix, app.log) : null;
  app.addHook('onClose', async () => redis?.close());
  const unchecked = createLogLimiter(app.log, { perMinute: 30, what: 'code-room session checks that failed' });
  app.addHook('onClose', async () => unchecked.close());

  // Who may open a document: a signed-in user (guests too), only a code room's, and only so many
  // at once. Opening a code room's editor joins the room, as joining it by id does — except again
  // on a socket that had it open when its user left it.
  async function authenticate({ token, documentName, requestHeaders, context }: onAuthenticatePayload) {
    const sessionToken = token || cookieValue(requestHeaders.get('cookie'), SESSION_COOKIE);
    const auth = sessionToken ? await services.accounts.authenticate(sessionToken) : null;
    if (!auth) throw refusal('Sign in or join as a guest first.');
    const { socketKey } = context as CodeContext;
    const socket = sockets.get(socketKey);
    if (socket?.left.has(documentName)) throw refusal(CODE_LEFT_ROOM);
    const room = await services.rooms.findRoom(documentName);
    if (!room) throw refusal('No room has this id. It may have been mistyped.');
    if (room.kind !== 'code') throw refusal('This room has no code editor.');
    const key = `${socketKey}\0${documentName}`;
    const open = openByUser.get(auth.user.id) ?? new Set<string>();
    if (!open.has(key) && open.size >= limits.maxOpenDocuments) {
      throw refusal(`You have ${limits.maxOpenDocuments} code rooms open already. Close one, then try again.`);
    }
    await services.rooms.joinById(documentName, auth.user);
    open.add(key);
    openByUser.set(auth.user.id, open);
    socket?.userIds.add(auth.user.id);
    socket?.sessions.set(auth.tokenHash, auth.expiresAt);
    return { user: toPublicUser(auth.user) } satisfies Omit<CodeContext, 'socketKey'>;
  }

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
      ...(redis ? [redis.extension] : []),
    ],
    // Nothing a client sends is kept before it is let in beyond one frame's worth.
    maxUnauthenticatedQueueSize: limits.maxFrameBytes,
    maxPendingDocuments: limits.maxOpenDocuments,
    // A session or room that could not be looked up (the database did not answer) is refused with
    // CODE_SESSION_UNCHECKED, which clients retry, never as if the session were bad.
    async onAuthenticate(payload) {
      try {
        return await authenticate(payload);
      } catch (error) {
        if (!(error instanceof SessionCheckError) && !isStoreUnavailable(error)) throw error;
        const cause = error instanceof SessionCheckError ? error.cause : error;
        unchecked.log('warn', 'database', { err: cause }, 'code-room session or room could not be checked');
        throw refusal(CODE_SESSION_UNCHECKED);
      }
    },
    async onDisconnect({ context, documentName }) {
      const { socketKey, user } = context as CodeContext;
      if (user) forget(user.id, `${socketKey}\0${documentName}`);
    },
    async afterLoadDocument({ document }) {
      sizes.track(document);
    },
    // Edits: refused (and the socket closed, with the reason) when they would take the document
    // past its cap. Updates from other nodes (Redis) were checked on the node that took them.
    async beforeSync({ type, payload, document, context }) {
      if (type === 0) return; // sync step 1: a state vector, no content
      if (sizes.allows(document, payload)) return;
      const reason = `This code room's document is full (${kib(limits.maxDocumentBytes)}): your last edit was not saved. Undo it, or delete something first.`;
      sockets.get((context as CodeContext).socketKey)?.close(CodeCloseCode.documentFull, reason);
      // Thrown, the update is not applied and nothing after it on this connection is.
      throw Object.assign(new Error(reason), { code: CodeCloseCode.documentFull, reason });
    },
    // Who someone is comes from their session, not from what their client says: `user` is
    // rewritten on every awareness state, a client cannot speak for another client's id, and an
    // oversized state is dropped.
    async beforeHandleAwareness({ states, context, connection, document }) {
      if (!connection) return; // from another node, where it was checked
      const { user } = (context ?? {}) as CodeContext;
      if (!user) {
        states.clear();
        return;
      }
      const owners = awarenessOwners(document);
      for (const [clientId, state] of states) {
        const owner = owners.get(clientId);
        if (owner && owner !== connection && document.hasConnection(owner)) {
          states.delete(clientId);
          continue;
        }
        owners.set(clientId, connection);
        state.user = awarenessUser(state.user, user);
        if (JSON.stringify(state).length > MAX_AWARENESS_STATE_CHARS) states.delete(clientId);
      }
    },
  });

  app.get(CODE_SOCKET_PATH, { websocket: true, schema: { hide: true } }, (socket, request) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    }
    const webRequest = new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, { headers });
    const socketKey = `s${++socketCounter}`;
    const connection = hocuspocus.handleConnection(socket, webRequest, { socketKey } satisfies CodeContext);
    const budget = new ByteBudget(limits.bytesPerSecond, limits.burstBytes, clock.now);
    let closing = false;
    const cutOff = (code: number, reason: string) => {
      closing = true;
      socket.close(code, reason);
    };
    const entry: CodeSocket = { close: cutOff, userIds: new Set(), sessions: new Map(), left: new Set() };
    sockets.set(socketKey, entry);
    socket.on('message', (data: Buffer) => {
      if (closing) return;
      if (sessionExpired(entry)) return cutOff(CloseCode.unauthorized, SESSION_CLOSED.expired);
      if (data.byteLength > limits.maxFrameBytes) {
        return cutOff(
          CodeCloseCode.tooBig,
          `That edit is too large to send at once (over ${kib(limits.maxFrameBytes)}). Paste it in smaller parts.`,
        );
      }
      if (!budget.take(data.byteLength)) {
        return cutOff(
          CodeCloseCode.tooFast,
          'Too much sent too fast: the connection was closed and your last edits were not saved. Reconnect to go on.',
        );
      }
      connection.handleMessage(new Uint8Array(data));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      closing = true;
      connection.handleClose({ code, reason: reason.toString() });
      // Documents whose set-up failed never reach onDisconnect: forget them with the socket.
      for (const userId of sockets.get(socketKey)?.userIds ?? []) {
        for (const key of openByUser.get(userId) ?? []) if (key.startsWith(`${socketKey}\0`)) forget(userId, key);
      }
      sockets.delete(socketKey);
    });
  });

  // Sessions that end while their code sockets are open close those sockets with 4401, on every
  // node (as /ws does, docs/decisions.md #15); a session that ran out, on the socket's next frame
  // or at the next check. A membership ended over REST closes that room's document connections of
  // the user, with the reason; the socket stays open for any other document on it.
  const sessionExpired = (socket: CodeSocket) => {
    const now = clock.now();
    for (const expiresAt of socket.sessions.values()) if (expiresAt <= now) return true;
    return false;
  };
  const expiryCheck = setInterval(() => {
    for (const socket of sockets.values()) {
      if (sessionExpired(socket)) socket.close(CloseCode.unauthorized, SESSION_CLOSED.expired);
    }
  }, EXPIRY_CHECK_MS);
  expiryCheck.unref();
  app.addHook('onClose', async () => clearInterval(expiryCheck));
  const stopAccountEvents = onAccountEvent(app, (event) => {
    if (event.t === 'session') {
      // A guest who registered keeps its sockets, as on /ws: the same user.
      if (event.why === 'replaced') return;
      for (const socket of [...sockets.values()]) {
        if (socket.sessions.has(event.tokenHash)) socket.close(CloseCode.unauthorized, SESSION_CLOSED.signed_out);
      }
      return;
    }
    const document = hocuspocus.documents.get(event.roomId);
    for (const connection of document?.getConnections() ?? []) {
      const { socketKey, user } = connection.context as CodeContext;
      if (user?.id !== event.userId) continue;
      sockets.get(socketKey)?.left.add(event.roomId);
      connection.close({ code: CodeCloseCode.leftRoom, reason: CODE_LEFT_ROOM });
    }
  });
  app.addHook('onClose', async () => stopAccountEvents());

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
    /** The room's current code, for a member of the room (403 for anyone else, 404 for no room). */
    async readAsMember(roomId: string, userId: string): Promise<{ code: string; language: string }> {
      await services.rooms.requireRoom(roomId);
      if (!(await services.rooms.isMember(roomId, userId))) {
        throw forbidden('You are not a member of this room. Join it, or open its editor, first.');
      }
      return this.read(roomId);
    },

    /** The room's current code: live when a node here has it open, else as stored (or seeded). */
    async read(roomId: string): Promise<{ code: string; language: string }> {
      const room = await services.rooms.requireRoom(roomId);
      const live = hocuspocus.documents.get(roomId);
      if (live) {
        return {
          code: live.getText(CODE_TEXT).toString(),
          language: String(live.getMap(CODE_META).get(CODE_LANGUAGE_KEY) ?? CODE_DEFAULT_LANGUAGE),
        };
      }
      return readState((await loadCodeState(db, roomId)) ?? seedState(room.name));
    },
  };
}
export type Collab = ReturnType<typeof registerCollab>;
