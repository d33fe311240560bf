/**
 * A minimal WebSocket client (RFC 6455) for the load generator: one TCP socket per member, the
 * upgrade written by hand, server frames cut out of each TCP read in place. A read that carries
 * fifty frames costs one callback and one clock read, not fifty 'message' events with a Buffer
 * copy each, so the client side stays cheap and costs the same against every server.
 *
 * Client frames are masked, as the RFC requires, with an all-zero key (the payload is then sent
 * as it is: no per-byte XOR). Pings are answered; fragmented messages are not used by any of the
 * servers measured and are ignored.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export type FrameHandler = (data: Buffer, start: number, end: number, client: WireClient) => void;

const HEADER_END = Buffer.from('\r\n\r\n');

/** TCP reads handled so far, by every client: frames of one read share one clock reading. */
export const reads = { count: 0 };

export class WireClient {
  readonly socket: net.Socket;
  /** Called for each text frame, with the frame's payload at data[start, end). */
  onText: FrameHandler = () => {};
  onClose: (client: WireClient) => void = () => {};
  closed = false;
  private pending: Buffer | null = null;
  private upgraded = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Opens the socket and completes the upgrade; resolves once the server accepted it. */
  static connect(port: number, path: string, headers: Record<string, string> = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const client = new WireClient(socket);
      const extra = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
        );
      });
      socket.on('data', (chunk: Buffer) => {
        reads.count += 1;
        if (client.upgraded) return client.read(chunk);
        const data = client.pending ? Buffer.concat([client.pending, chunk]) : chunk;
        const end = data.indexOf(HEADER_END);
        if (end < 0) {
          client.pending = data;
          return;
        }
        const status = data.toString('latin1', 0, data.indexOf('\r\n'));
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          return reject(new Error(`upgrade refused: ${data.toString('utf8', 0, Math.min(end, 500))}`));
        }
        client.upgraded = true;
        client.pending = null;
        resolve(client);
        // Frames that came with the upgrade (Socket.IO's open packet, Tandem's hello) are read
        // once the caller had a chance to set its handler.
        const rest = data.subarray(end + 4);
        if (rest.length > 0) setImmediate(() => client.read(rest));
      });
      socket.on('error', (error) => {
        if (!client.upgraded) reject(error);
      });
      socket.on('close', () => {
        client.closed = true;
        if (!client.upgraded) reject(new Error('closed before the upgrade'));
        else client.onClose(client);
      });
    });
  }

  /** Sends a text frame. */
  send(text: string): void {
    if (this.closed) return;
    this.write(0x81, Buffer.from(text));
  }

  /** Stops reading: the kernel buffers fill, then the server's own send buffer does. */
  stopReading(): void {
    this.socket.pause();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private write(first: number, payload: Buffer): void {
    const n = payload.length;
    const extended = n > 65_535 ? 8 : n > 125 ? 2 : 0;
    const frame = Buffer.allocUnsafe(2 + extended + 4 + n);
    frame[0] = first;
    frame[1] = 0x80 | (extended === 8 ? 127 : extended === 2 ? 126 : n);
    if (extended === 2) frame.writeUInt16BE(n, 2);
    if (extended === 8) frame.writeBigUInt64BE(BigInt(n), 2);
    frame.writeUInt32BE(0, 2 + extended); // the mask key: zero
    payload.copy(frame, 6 + extended);
    this.socket.write(frame);
  }

  private read(chunk: Buffer): void {
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    const length = data.length;
    while (at + 2 <= length) {
      const first = data[at] as number;
      let size = (data[at + 1] as number) & 0x7f;
      let header = 2;
      if (size === 126) {
        if (at + 4 > length) break;
        size = data.readUInt16BE(at + 2);
        header = 4;
      } else if (size === 127) {
        if (at + 10 > length) break;
        size = data.readUInt32BE(at + 6);
        header = 10;
      }
      const end = at + header + size;
      if (end > length) break;
      const opcode = first & 0x0f;
      if (opcode === 0x1) this.onText(data, at + header, end, this);
      else if (opcode === 0x9) this.write(0x8a, Buffer.from(data.subarray(at + header, end)));
      else if (opcode === 0x8) {
        this.close(); // the socket's 'close' tells onClose
        return;
      }

      at = end;
    }
    if (at < length) this.pending = data.subarray(at);
  }
}

/** Reads the send stamp written as `t:<ms>|…` at data[at…]: digits and one '.', up to '|'. */
export function readStamp(data: Buffer, at: number, end: number): number {
  let value = 0;
  let scale = 0;
  for (let i = at; i < end; i++) {
    const c = data[i] as number;
    if (c === 0x7c) break;
    if (c === 0x2e) {
      scale = 1;
      continue;
    }
    value = value * 10 + (c - 48);
    if (scale) scale *= 10;
  }
  return scale ? value / scale : value;
}

/** True when data[at…] starts with the bytes of `prefix`. */
export function startsWith(data: Buffer, at: number, prefix: Buffer): boolean {
  if (at + prefix.length > data.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[at + i] !== prefix[i]) return false;
  return true;
}
