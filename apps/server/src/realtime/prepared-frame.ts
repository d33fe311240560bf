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

/** The parts of `ws` internals that say whether a frame may bypass its sender. */
type WsInternals = { _socket?: NetSocket; _sender?: { _queue?: unknown[] } };

/**
 * Writes a prepared frame to a `ws` socket's TCP socket directly, which is what `ws` itself does
 * with a frame when nothing is queued in its sender (no compression here, no Blob data): so
 * the order of frames is kept. Otherwise, or once the socket is closing, it goes through
 * `ws.send` as usual. Returns false when the socket's buffer is past its high-water mark (or
 * when that is not known).
 */
export function sendPrepared(socket: WebSocket, frame: PreparedFrame): boolean {
  const internals = socket as unknown as WsInternals;
  const tcp = internals._socket;
  if (socket.readyState === WebSocket.OPEN && tcp && !tcp.destroyed && internals._sender?._queue?.length === 0) {
    return tcp.write(frame.bytes);
  }
  socket.send(frame.text);
  return false; // not known: the next send checks the buffer
}
