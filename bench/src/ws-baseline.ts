/**
 * The practical ceiling: a bare `ws` broadcast server. No auth, no validation, no persistence;
 * each message is forwarded as the same string to every socket in its room.
 * Prints `listening <port>` when ready.
 */
import { type WebSocket, WebSocketServer } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
server.on('connection', (socket, request) => {
  const room = new URL(request.url ?? '/', 'http://x').searchParams.get('room') ?? 'main';
  const members = rooms.get(room) ?? new Set();
  rooms.set(room, members);
  members.add(socket);
  socket.on('message', (data) => {
    const text = String(data);
    for (const member of members) member.send(text);
  });
  socket.on('close', () => members.delete(socket));
});
server.on('listening', () => process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`));
