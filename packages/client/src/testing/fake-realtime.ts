import type { Message, SealedMessage, ServerFrameOf } from '@tandem/protocol';
import { Emitter } from '../emitter.ts';
import { newClientMessageId } from '../ids.ts';
import type { ConnectionStatus, RealtimeEvents, SendHandle, SendInput } from '../realtime.ts';
import type { RoomRealtime } from '../room/types.ts';

type Sent = { clientMessageId: string; body: string; attachmentIds: string[]; sealed?: SealedMessage | undefined };

/**
 * A RealtimeClient-shaped event source for binding tests: no socket, no timers. The test says
 * what the server did (`emit`, `joined`, `ack`, `fail`) and reads what the client did (`sent`,
 * `typed`, `marked`, `joins`, `left`). For reconnects, resends and gap filling use a real
 * RealtimeClient over `ScriptedSocket`.
 */
export class FakeRealtime implements RoomRealtime {
  private readonly events = new Emitter<RealtimeEvents>();
  private readonly waiting = new Map<string, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private joinWaiters: Array<{ resolve: (f: ServerFrameOf<'joined'>) => void; reject: (e: Error) => void }> = [];
  status: ConnectionStatus = 'open';
  roomId: string | null = null;
  lastSeq = 0;
  readonly sent: Sent[] = [];
  readonly typed: boolean[] = [];
  readonly marked: number[] = [];
  readonly joins: Array<{ roomId: string } | { roomName: string }> = [];
  left = 0;

  get pending(): number {
    return this.waiting.size;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  emit<K extends keyof RealtimeEvents>(event: K, payload: RealtimeEvents[K]): void {
    this.events.emit(event, payload);
  }

  join(target: { roomId: string } | { roomName: string }): Promise<ServerFrameOf<'joined'>> {
    this.joins.push(target);
    return new Promise((resolve, reject) => this.joinWaiters.push({ resolve, reject }));
  }

  /** The server's join snapshot: the room is joined, the `joined` event fires and join() resolves. */
  joined(frame: ServerFrameOf<'joined'>): void {
    this.roomId = frame.room.id;
    this.lastSeq = frame.messages.at(-1)?.seq ?? frame.latestSeq;
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    this.emit('joined', frame);
    for (const w of waiters) w.resolve(frame);
  }

  /** The join was refused. */
  refuse(error: Error): void {
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const w of waiters) w.reject(error);
  }

  /** A live message of the room, in order. */
  message(message: Message): void {
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    this.emit('message', message);
  }

  leave(): void {
    this.left += 1;
    this.roomId = null;
  }

  send(input: string | SendInput): SendHandle {
    const args: SendInput = typeof input === 'string' ? { body: input } : input;
    const id = args.clientMessageId ?? newClientMessageId();
    this.sent.push({
      clientMessageId: id,
      body: args.body ?? '',
      attachmentIds: [...(args.attachmentIds ?? [])],
      sealed: args.sealed,
    });
    const done = new Promise<Message>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    done.catch(() => {});
    return { clientMessageId: id, done };
  }

  /** The server stored a send: its message goes out (as RealtimeClient does: event first, then done). */
  ack(message: Message): void {
    const waiter = this.waiting.get(message.clientMessageId);
    this.waiting.delete(message.clientMessageId);
    this.message(message);
    waiter?.resolve(message);
  }

  /** The server refused a send for good. */
  fail(clientMessageId: string, code = 'validation_failed', message = 'Refused.'): void {
    const waiter = this.waiting.get(clientMessageId);
    this.waiting.delete(clientMessageId);
    this.emit('sendFailed', { clientMessageId, code, message });
    waiter?.reject(new Error(message));
  }

  typing(active: boolean): void {
    if (this.roomId) this.typed.push(active);
  }

  markRead(seq: number): void {
    if (this.roomId) this.marked.push(seq);
  }

  setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}
