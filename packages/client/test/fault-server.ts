import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientFrame, ServerFrame } from '@tandem/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

/** One socket the fault server accepted, from its side. */
export type FaultConnection = {
  /** 1 for the first connection the server saw, 2 for the next, and so on. */
  index: number;
  url: string;
  frames: ClientFrame[];
  send(frame: ServerFrame): void;
  close(code: number, reason?: string): void;
  /** The next frame of this type the client writes (or one it already wrote and no one took). */
  next<T extends ClientFrame['type']>(type: T, timeoutMs?: number): Promise<Extract<ClientFrame, { type: T }>>;
};

/**
 * What the server does with connection n: `'hang'` accepts the TCP connection and never answers
 * the upgrade (a frozen node); a function gets the upgraded socket to script.
 */
export type Behaviour = 'hang' | ((connection: FaultConnection) => void);

/**
 * A real socket server on 127.0.0.1:0 whose every connection is scripted by the test: the faults
 * a real Tandem server only shows under failure (a frozen node, a database that does not answer
 * the session check) on demand, while the client speaks through a real WebSocket.
 */
export async function startFaultServer(behaviour: (index: number) => Behaviour) {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const held = new Set<Socket>();
  const connections: FaultConnection[] = [];
  let count = 0;
  http.on('connection', (socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const index = ++count;
    const plan = behaviour(index);
    if (plan === 'hang') return;
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const frames: ClientFrame[] = [];
      const taken = new Set<ClientFrame>();
      const waiters = new Set<() => void>();
      ws.on('message', (data) => {
        frames.push(JSON.parse(String(data)) as ClientFrame);
        for (const wake of waiters) wake();
      });
      const connection: FaultConnection = {
        index,
        url: request.url ?? '',
        frames,
        send: (frame) => ws.send(JSON.stringify(frame)),
        close: (code, reason) => ws.close(code, reason),
        next: (type, timeoutMs = 3000) =>
          new Promise((resolve, reject) => {
            const look = () => {
              const found = frames.find((f) => f.type === type && !taken.has(f));
              if (!found) return false;
              taken.add(found);
              waiters.delete(look);
              clearTimeout(timer);
              resolve(found as Extract<ClientFrame, { type: typeof type }>);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              reject(new Error(`connection ${index}: no '${type}' frame within ${timeoutMs} ms`));
            }, timeoutMs);
            if (!look()) waiters.add(look);
          }),
      };
      connections.push(connection);
      plan(connection);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `ws://127.0.0.1:${address.port}/ws`,
    connections,
    /** How many connections (upgrade requests) the server has seen. */
    get count() {
      return count;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
