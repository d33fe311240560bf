import type { ClientFrame, ServerFrame } from '@tandem/protocol';
import { WebSocket } from 'ws';
import type { App } from '../src/app.ts';

/** Listens on a real socket (port 0) and returns the base URLs. */
export async function listen(app: App): Promise<{ http: string; ws: string }> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { http: address, ws: `${address.replace('http', 'ws')}/ws` };
}

export type TestSocket = {
  socket: WebSocket;
  frames: ServerFrame[];
  send(frame: ClientFrame | Record<string, unknown>): void;
  sendRaw(data: string | Buffer): void;
  /** The next frame (after those already taken) matching `match`, or a timeout error. */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (f: Extract<ServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: T }>>;
  /** Resolves with no frame of this type arriving in `ms` — for "nothing leaks" checks. */
  none(type: ServerFrame['type'], ms?: number, match?: (f: ServerFrame) => boolean): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
};

export function connect(
  url: string,
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<TestSocket> {
  const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const socket = new WebSocket(url, { headers });
  const frames: ServerFrame[] = [];
  const taken = new Set<ServerFrame>();
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as ServerFrame);
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
  });

  const find = <T extends ServerFrame['type']>(type: T, match?: (f: Extract<ServerFrame, { type: T }>) => boolean) =>
    frames.find(
      (f): f is Extract<ServerFrame, { type: T }> =>
        !taken.has(f) && f.type === type && (!match || match(f as Extract<ServerFrame, { type: T }>)),
    );

  const client: TestSocket = {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (data) => socket.send(data),
    next(type, match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find(type, match);
          if (!found) return false;
          taken.add(found);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no "${type}" frame within ${timeoutMs} ms; got ${JSON.stringify(frames.map((f) => f.type))}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async none(type, ms = 300, match) {
      await new Promise((r) => setTimeout(r, ms));
      const leaked = frames.filter((f) => f.type === type && !taken.has(f) && (!match || match(f)));
      if (leaked.length > 0) throw new Error(`unexpected "${type}" frames: ${JSON.stringify(leaked)}`);
    },
    closed,
    close: () => socket.close(),
  };

  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

/** A connected, authenticated socket (hello received). */
export async function connectAs(url: string, token: string): Promise<TestSocket> {
  const client = await connect(url, { token });
  await client.next('hello');
  return client;
}
