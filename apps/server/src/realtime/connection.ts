import type { PublicUser } from '@tandem/protocol';
import type { Authenticated } from '../services/accounts.service.ts';
import type { PreparedFrame } from './prepared-frame.ts';

/** What the realtime core needs of a socket; `ws` provides it, and so can an in-memory pair. */
export type Socket = {
  send(data: string): void;
  readonly bufferedAmount: number;
  /**
   * Sends a frame prepared once for many sockets (without it, its text goes through `send`).
   * Returns false when the socket's buffer is past its high-water mark (as `Writable.write`).
   */
  sendPrepared?(frame: PreparedFrame): boolean;
};

/** The signed-in user a socket acts as, as the accounts service hands it over. */
type SocketUser = Authenticated['user'];

/**
 * One authenticated socket: who it is, which room it is in, and the send path with its
 * backpressure check. While a join snapshot is being prepared, live room events are held back
 * and released after it, skipping messages the snapshot already carried.
 */
export class Connection {
  readonly id: string;
  readonly user: SocketUser;
  readonly publicUser: PublicUser;
  private room: string | null = null;
  private held: Array<[seq: number, frame: PreparedFrame]> | null = null;
  /** The last prepared write left the socket's buffer past its high-water mark. */
  private backlogged = true;
  private closed = false;
  private readonly socket: Socket;
  private readonly sendBufferLimit: number;
  private readonly onSlow: (connection: Connection) => void;
  private readonly onRoomChange: ((roomId: string | null) => void) | undefined;

  constructor(options: {
    id: string;
    user: SocketUser;
    publicUser: PublicUser;
    socket: Socket;
    sendBufferLimit: number;
    onSlow: (connection: Connection) => void;
    /** Hears every move in or out of a room (the socket's session keeps its state by it). */
    onRoomChange?: (roomId: string | null) => void;
  }) {
    this.id = options.id;
    this.user = options.user;
    this.publicUser = options.publicUser;
    this.socket = options.socket;
    this.sendBufferLimit = options.sendBufferLimit;
    this.onSlow = options.onSlow;
    this.onRoomChange = options.onRoomChange;
  }

  /**
   * The room this socket is in. The frame handlers move it; each move is reported as it happens,
   * so that the socket's session never disagrees with it about which room that is.
   */
  get roomId(): string | null {
    return this.room;
  }

  set roomId(roomId: string | null) {
    if (roomId === this.room) return;
    this.room = roomId;
    this.onRoomChange?.(roomId);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Sends one serialised frame. A peer that stopped reading is cut off once its buffer passes
   * the cap, so one slow phone never holds memory or time that the others need.
   */
  send(frame: string): void {
    if (this.writable()) this.socket.send(frame);
  }

  /** A live room event; `seq` is the message seq, or 0 for events without one. */
  deliver(frame: PreparedFrame, seq: number): void {
    if (this.held) this.held.push([seq, frame]);
    else this.sendShared(frame);
  }

  /**
   * Sends a frame shared with other sockets (a room event), as prepared once for all. The
   * buffer cap is checked only while the socket's own buffer is past its high-water mark, as
   * its last write said: reading every socket's buffered amount on every fan-out cost about a
   * tenth of the fan-out (a few cache misses per socket), and a socket can only pass the cap
   * after passing the mark.
   */
  private sendShared(frame: PreparedFrame): void {
    if (this.closed) return;
    if (!this.socket.sendPrepared) {
      if (this.writable()) this.socket.send(frame.text);
      return;
    }
    if (this.backlogged && !this.writable()) return;
    this.backlogged = !this.socket.sendPrepared(frame);
  }

  /** False once closed; a socket past its buffer cap is closed here, as a slow consumer. */
  private writable(): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount > this.sendBufferLimit) {
      this.closed = true;
      this.onSlow(this);
      return false;
    }
    return true;
  }

  holdLiveEvents(): void {
    this.held = [];
  }

  /** Sends what was held, minus messages up to `deliveredSeq` (the snapshot had them). */
  releaseLiveEvents(deliveredSeq: number): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [seq, frame] of held) if (seq === 0 || seq > deliveredSeq) this.sendShared(frame);
  }

  /** Stops holding and forgets what was held (a join that sent no snapshot). */
  dropLiveEvents(): void {
    this.held = null;
  }

  /** Live events held back for a join snapshot under way (0 when none is). */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  markClosed(): void {
    this.closed = true;
  }
}
