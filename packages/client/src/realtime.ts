import type { ServerFrame, ServerFrameOf } from '@tandem/protocol';
import { CloseCode } from '@tandem/protocol/constants';
import { Emitter } from './emitter.ts';
import { newClientMessageId } from './ids.ts';
import { Connection } from './realtime/connection.ts';
import { RoomChannel } from './realtime/room-channel.ts';
import { SendQueue } from './realtime/send-queue.ts';
import {
  type ConnectionStatus,
  type JoinTarget,
  RealtimeError,
  type RealtimeEvents,
  type RealtimeOptions,
  type ResolvedOptions,
  resolveOptions,
  type SendHandle,
  type SendInput,
} from './realtime/types.ts';

export {
  type ConnectionStatus,
  type JoinTarget,
  RealtimeError,
  type RealtimeEvents,
  type RealtimeOptions,
  type SendHandle,
  type SendInput,
};

/**
 * A realtime connection that survives the network: it reconnects with backoff and jitter,
 * rejoins its room with the last seq it has, hands messages over in order and once, and
 * resends unacknowledged messages with their original ids.
 *
 * Three parts behind this API: the socket lifecycle (`realtime/connection.ts`), the room channel
 * (`realtime/room-channel.ts`, gaps in `realtime/gap-filler.ts`) and the send queue
 * (`realtime/send-queue.ts`); this class wires them and routes the server's frames.
 */
export class RealtimeClient {
  private readonly events = new Emitter<RealtimeEvents>();
  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  private readonly room: RoomChannel;
  private readonly sends: SendQueue;
  private watching = false;

  constructor(options: RealtimeOptions) {
    this.options = resolveOptions(options);
    const events = this.events;
    this.connection = new Connection(this.options, events, {
      authenticated: () => {
        if (this.watching) this.connection.write({ type: 'watch_rooms', active: true });
        this.room.rejoin();
      },
      frame: (frame) => this.receive(frame),
      socketLost: () => {
        this.room.socketLost();
        this.sends.socketLost();
      },
      ended: (code, reason) => {
        // Unacknowledged sends stay in the outbox (pending), but nothing retries them any more.
        this.sends.stopRetries();
        this.room.failJoins(
          new RealtimeError(code === CloseCode.unauthorized ? 'unauthorized' : 'unsupported_version', reason),
        );
      },
    });
    const connection = this.connection;
    this.room = new RoomChannel(this.options, events, {
      write: (frame) => connection.write(frame),
      connect: () => connection.connect(),
      get authenticated() {
        return connection.authenticated;
      },
      get stopped() {
        return connection.stopped;
      },
      joined: (roomId) => this.sends.flushRoom(roomId),
      removed: (roomId, reason) => this.sends.failRoom(roomId, reason),
    });
    const room = this.room;
    this.sends = new SendQueue(this.options, events, {
      write: (frame) => connection.write(frame),
      confirmedIn: (roomId) => room.confirmedIn(roomId),
      get authenticated() {
        return connection.authenticated;
      },
      probe: (timeoutMs) => connection.probe(timeoutMs),
    });
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** The room this connection is in, once the server confirmed the join. */
  get roomId(): string | null {
    return this.room.roomId;
  }

  get lastSeq(): number {
    return this.room.lastSeq;
  }

  /** Sends not yet acknowledged by the server. */
  get pending(): number {
    return this.sends.size;
  }

  setToken(token: string | undefined): void {
    this.options.token = token;
  }

  connect(): void {
    this.connection.connect();
  }

  /** Enters a room (leaving any other); resolves with the snapshot. */
  join(target: JoinTarget): Promise<ServerFrameOf<'joined'>> {
    return this.room.join(target);
  }

  leave(): void {
    this.room.leave();
  }

  /**
   * Sends a message to the current room: `send('hi')`, or `send({ body, clientMessageId,
   * attachmentIds, sealed })` — text, files uploaded first (`attachmentIds` from `POST /uploads`),
   * or both; in an encrypted room, `body` is empty and `sealed` carries the ciphertext (its
   * clientMessageId must be this send's). `done` resolves with the stored message once the server
   * acknowledged it; until then it is kept and resent (same id) after reconnects.
   */
  send(input: string | SendInput): SendHandle {
    const {
      body = '',
      clientMessageId = newClientMessageId(),
      attachmentIds = [],
      sealed,
    } = typeof input === 'string' ? { body: input } : input;
    const target = this.room.target;
    const roomId = this.room.roomId ?? (target && 'roomId' in target ? target.roomId : '');
    const done = this.sends.add({ clientMessageId, roomId, body, attachmentIds: [...attachmentIds], sealed });
    return { clientMessageId, done };
  }

  typing(active: boolean): void {
    const roomId = this.room.roomId;
    if (roomId) this.connection.write({ type: 'typing', roomId, active });
  }

  /** Live `roomActivity` events for every room; kept on across reconnects until turned off. */
  watchRooms(active: boolean): void {
    this.watching = active;
    if (this.connection.authenticated) this.connection.write({ type: 'watch_rooms', active });
    else if (active) this.connect();
  }

  markRead(seq: number): void {
    const roomId = this.room.roomId;
    if (roomId) this.connection.write({ type: 'read', roomId, seq });
  }

  /** Drops the socket as if the network failed; the client reconnects and resumes. */
  dropConnection(): void {
    this.connection.drop('dropped by client');
  }

  /**
   * The app is in front again (a phone coming back from the background) or the network is back:
   * a reconnect waiting out its backoff goes now, and an open socket must prove it is alive
   * (answer a ping within `timeoutMs`) or is replaced. The OS may have dropped it silently.
   */
  wake(timeoutMs = 3000): void {
    this.connection.wake(timeoutMs);
  }

  /** Ends the connection for good; unacknowledged sends are rejected. */
  close(): void {
    this.room.stop();
    this.sends.stopRetries();
    this.connection.stop();
    this.sends.failAll(new RealtimeError('closed', 'The connection was closed before the message was stored.'));
    this.room.failJoins(new RealtimeError('closed', 'The connection was closed.'));
    this.connection.announceClosed(1000, 'client closed');
  }

  /** Frames the connection does not handle itself go to the room channel or the send queue. */
  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ack':
        this.sends.acknowledge(frame.message);
        this.room.acknowledged(frame.message);
        this.sends.flushStalled(frame.message.roomId);
        return;
      case 'error':
        if (!this.sends.sendError(frame) && !this.room.joinError(frame)) this.events.emit('error', frame);
        return;
      case 'room_activity':
        this.events.emit('roomActivity', frame);
        return;
      case 'hello':
      case 'reconnect':
      case 'pong':
      case 'watching':
        return;
      default:
        this.room.receive(frame);
    }
  }
}
