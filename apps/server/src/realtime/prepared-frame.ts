import type { Socket as NetSocket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * A room event framed once for every socket that gets it: the serialised JSON, and the whole
 * WebSocket frame (server frames are unmasked, so the same bytes suit every socket) built on
 * first use. Fan-out then writes one shared buffer per socket instead of encoding the text and
 * building a header for each recipient.
 */
export class PreparedFrame {
  readonly text: string;
  private wire: Buffer | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The complete frame: FIN + text opcode, the payload length, the UTF-8 payload. */
  get bytes(): Buffer {
    if (this.wire) return this.wire;
    const length = Buffer.byteLength(this.text);
    const header = length > 0xffff ? 10 : length > 125 ? 4 : 2;
    const wire = Buffer.allocUnsafe(header + length);
    wire[0] = 0x81;
    if (header === 2) wire[1] = length;
    else if (header === 4) {
      wire[1] = 126;
      wire.writeUInt16BE(length, 2);
    } else {
      wire[1] = 127;
      wire.writeBigUInt64BE(BigInt(length), 2);
    }
    wire.write(this.text, header, 'utf8');
    this.wire = wire;
    return wire;
  }
}

/**
 * `ws` has no public way to write bytes that are already a frame: `WebSocket#send` frames what it
 * is given, every time. `Sender.frame` is public, but writing its result is not (Socket.IO's
 * recipe, `ws._sender.sendFrame(list, cb)`, is as private as what is done here, and returns
 * nothing, where the return of `write` is what tells the connection about backpressure). So this
 * relies on exactly these `ws` internals (8.23, pinned in package.json), all checked by
 * `apps/server/test/prepared-frame.test.ts`, which fails on an upgrade that changes them:
 *
 * - `_socket`: the `net.Socket` the socket's `Sender` writes every frame to, with one `write` per
 *   frame of ours (`write` returns false past its high-water mark; `destroyed` once it is gone).
 *   `bufferedAmount` counts what is waiting in it, so the slow-consumer cap sees these bytes too.
 * - `_sender._state`: 0 (`DEFAULT` in `lib/sender.js`) while the sender is idle; otherwise it is
 *   compressing a message or reading a Blob's data, and will write that message later.
 * - `_sender._queue`: the sends waiting behind such a message.
 *
 * While the sender is idle, `ws` writes a frame to `_socket` at once, so a frame written there
 * directly keeps its place among the socket's frames. When it is busy (compression, which this
 * server turns off, or Blob data, which it never sends), a direct write would overtake the message
 * in the works, so the frame goes through `ws.send` and waits its turn. If a field is missing
 * (a changed `ws`), every frame goes through `ws.send`: slower, never wrong.
 */
type WsInternals = {
  _socket?: NetSocket | null;
  _sender?: { _state?: unknown; _queue?: unknown[] } | null;
};

/** `Sender`'s idle state (`DEFAULT` in ws/lib/sender.js). */
const SENDER_IDLE = 0;

/**
 * Writes a prepared frame straight to the TCP socket of a `ws` socket whose sender is idle, as
 * `ws` itself would; otherwise, or once the socket is closing, it goes through `ws.send` as
 * usual. Returns false when the socket's buffer is past its high-water mark (or when that is
 * not known).
 */
export function sendPrepared(socket: WebSocket, frame: PreparedFrame): boolean {
  const { _socket: tcp, _sender: sender } = socket as unknown as WsInternals;
  if (
    socket.readyState === WebSocket.OPEN &&
    tcp &&
    !tcp.destroyed &&
    sender?._state === SENDER_IDLE &&
    sender._queue?.length === 0
  ) {
    return tcp.write(frame.bytes);
  }
  socket.send(frame.text);
  return false; // not known: the next send checks the buffer
}
