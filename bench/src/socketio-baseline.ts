/**
 * The Socket.IO 4 baseline: rooms and `io.to(room).emit` (Socket.IO encodes a broadcast once and
 * writes the same packet to every member), WebSocket transport only, no auth, no persistence.
 * A client names its room in the handshake query (`?room=`) and is put in it on connection; an
 * event `msg` is re-emitted to the whole room, sender included. Prints `listening <port>`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'main');
  socket.join(room);
  socket.on('msg', (body: unknown) => {
    io.to(room).emit('msg', body);
  });
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(http.address() as { port: number }).port}\n`));
