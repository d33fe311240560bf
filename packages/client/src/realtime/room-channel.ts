import type { ClientFrame, Message, ServerFrame, ServerFrameOf } from '@tandem/protocol';
import { backoffDelay } from '../backoff.ts';
import type { Emitter } from '../emitter.ts';
import { Timeline } from '../timeline.ts';
import { GapFiller } from './gap-filler.ts';
import { type JoinTarget, RealtimeError, type RealtimeEvents, type ResolvedOptions } from './types.ts';

/** Errors after which a join may well succeed a little later; any other refuses it for good. */
const RETRYABLE_JOIN_ERRORS = new Set(['internal', 'rate_limited']);

/** Where this client is with its room: exactly one of these at a time. */
export type RoomState =
  /** In no room, and joining none. */
  | { kind: 'outside' }
  /** Joining a room it was not confirmed in (a first join, or another room). */
  | { kind: 'joining'; target: JoinTarget }
  /**
   * Confirmed in `roomId`; `confirmed` says whether on the current socket. Sends wait for it, so
   * that after a reconnect the unacknowledged ones go first and a person's messages keep their order.
   */
  | { kind: 'in'; roomId: string; confirmed: boolean };

/** What the room channel needs from the rest of the client. */
export type RoomChannelHost = {
  write(frame: ClientFrame): boolean;
  connect(): void;
  readonly authenticated: boolean;
  readonly stopped: boolean;
  /** The server confirmed the join: sends waiting for `roomId` go now. */
  joined(roomId: string): void;
  /** The membership ended elsewhere: sends waiting for `roomId` fail. */
  removed(roomId: string, reason: string): void;
};

type RoomFrame = Exclude<
  ServerFrame,
  { type: 'hello' | 'ack' | 'error' | 'reconnect' | 'room_activity' | 'pong' | 'watching' }
>;

/**
 * One room over the connection: join (resolving the caller's promise), resume with the last seq
 * after a reconnect or a resync, the room's frames handed over in order and once (gaps filled
 * from history), and removal by the server.
 */
export class RoomChannel {
  private state: RoomState = { kind: 'outside' };
  private readonly timeline = new Timeline();
  private readonly gaps: GapFiller;
  private joinWaiters: Array<{ resolve: (f: ServerFrameOf<'joined'>) => void; reject: (e: Error) => void }> = [];
  private refCounter = 0;
  /** The ref of the latest join written: an error for an older one is stale. */
  private joinRef: string | null = null;
  private joinAttempt = 0;
  private joinRetryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly options: ResolvedOptions;
  private readonly events: Emitter<RealtimeEvents>;
  private readonly host: RoomChannelHost;

  constructor(options: ResolvedOptions, events: Emitter<RealtimeEvents>, host: RoomChannelHost) {
    this.options = options;
    this.events = events;
    this.host = host;
    this.gaps = new GapFiller(options, this.timeline, {
      roomId: () => this.roomId,
      stopped: () => host.stopped,
      rejoin: () => this.sendJoin(),
      deliver: (messages) => this.deliverInOrder(messages),
    });
  }

  /** The room the server confirmed, if any. */
  get roomId(): string | null {
    return this.state.kind === 'in' ? this.state.roomId : null;
  }

  /** The room to (re)join: the confirmed one, or the one being joined. */
  get target(): JoinTarget | null {
    const state = this.state;
    if (state.kind === 'in') return { roomId: state.roomId };
    return state.kind === 'joining' ? state.target : null;
  }

  /** Confirmed in `roomId` on the current socket: its sends may go. */
  confirmedIn(roomId: string): boolean {
    return this.state.kind === 'in' && this.state.confirmed && this.state.roomId === roomId;
  }

  get lastSeq(): number {
    return this.timeline.lastSeq;
  }

  join(target: JoinTarget): Promise<ServerFrameOf<'joined'>> {
    const state = this.state;
    const sameRoom = 'roomId' in target && state.kind === 'in' && target.roomId === state.roomId;
    if (!sameRoom) {
      this.timeline.reset(0);
      this.state = { kind: 'joining', target };
    }
    const promise = new Promise<ServerFrameOf<'joined'>>((resolve, reject) =>
      this.joinWaiters.push({ resolve, reject }),
    );
    if (this.host.authenticated) this.sendJoin();
    else this.host.connect();
    return promise;
  }

  leave(): void {
    const roomId = this.roomId;
    this.stopJoinRetry();
    this.state = { kind: 'outside' };
    this.timeline.reset(0);
    if (roomId) this.host.write({ type: 'leave', roomId });
  }

  /** Hello on a new socket: join the room again, resuming after the last seq. */
  rejoin(): void {
    if (this.target) this.sendJoin();
  }

  /** The socket is gone: the join must be confirmed again on the next one. */
  socketLost(): void {
    if (this.state.kind === 'in') this.state = { ...this.state, confirmed: false };
    this.stopJoinRetry();
  }

  /** close(): nothing of the room's fires any more. */
  stop(): void {
    this.gaps.stop();
    this.stopJoinRetry();
  }

  failJoins(error: Error): void {
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  /** A frame of the room (or of a room it left): handed over if it is the current room's. */
  receive(frame: RoomFrame): void {
    const roomId = this.roomId;
    switch (frame.type) {
      case 'joined':
        this.onJoined(frame);
        return;
      case 'message':
        if (frame.message.roomId === roomId) this.accept([frame.message]);
        return;
      case 'presence':
        if (frame.roomId === roomId) this.events.emit('presence', frame);
        return;
      case 'typing':
        if (frame.roomId === roomId) this.events.emit('typing', frame);
        return;
      case 'read':
        if (frame.roomId === roomId) this.events.emit('read', frame);
        return;
      case 'key_request':
        if (frame.roomId === roomId) this.events.emit('keyRequest', frame);
        return;
      case 'key_available':
        if (frame.roomId === roomId) this.events.emit('keyAvailable', frame);
        return;
      case 'resync':
        // Live events may have been missed (the server's bus was down): rejoin with lastSeq.
        if (this.confirmedIn(frame.roomId)) this.sendJoin();
        return;
      case 'left':
        // Unasked (with a reason): the membership ended elsewhere (left over REST, on another
        // device). Sends still waiting for this room will never be stored: fail them, say so.
        if (frame.reason !== undefined && frame.roomId === roomId) this.onRemoved(frame.roomId, frame.reason);
        return;
    }
  }

  /** An acknowledged send of the current room is one of its messages. */
  acknowledged(message: Message): void {
    if (message.roomId === this.roomId) this.accept([message]);
  }

  /** An error for a join: retried if the server refused for now, else the join fails. Says whether it was one. */
  joinError(frame: ServerFrameOf<'error'>): boolean {
    if (!frame.ref?.startsWith('join-')) return false;
    if (RETRYABLE_JOIN_ERRORS.has(frame.code)) {
      // Stay in line for the room: a first join's promise waits, a resume goes on quietly.
      // An error for an older join is stale: the latest one is still under way.
      if (frame.ref === this.joinRef) this.retryJoin();
      return true;
    }
    const waited = this.joinWaiters.length > 0;
    this.failJoins(new RealtimeError(frame.code, frame.message));
    if (this.state.kind === 'joining') this.state = { kind: 'outside' };
    // A rejoin refused for good (removed from the room, room gone) has no promise to reject:
    // say so, or the UI would sit outside its room without knowing.
    if (!waited) this.events.emit('error', frame);
    return true;
  }

  private sendJoin(): void {
    const target = this.target;
    if (!target) return;
    // Resume only in the room we were confirmed in; a room looked up by name starts afresh.
    const roomId = this.roomId;
    const resume = roomId !== null && this.timeline.lastSeq > 0 ? { lastSeq: this.timeline.lastSeq } : {};
    const where = roomId ? { roomId } : target;
    this.stopJoinRetry();
    const ref = `join-${++this.refCounter}`;
    this.joinRef = ref;
    this.host.write({ type: 'join', ref, ...where, ...resume });
  }

  private stopJoinRetry(): void {
    clearTimeout(this.joinRetryTimer);
    this.joinRetryTimer = undefined;
  }

  /** The server could not take the join just now: the same join again after a backoff. */
  private retryJoin(): void {
    if (this.joinRetryTimer) return;
    const delay = backoffDelay(this.joinAttempt, this.options.retryBackoff);
    this.joinAttempt += 1;
    this.joinRetryTimer = setTimeout(() => {
      this.joinRetryTimer = undefined;
      // Not authenticated: the join goes again after the next hello anyway.
      if (this.host.authenticated && this.target) this.sendJoin();
    }, delay);
  }

  private onJoined(frame: ServerFrameOf<'joined'>): void {
    this.joinAttempt = 0;
    this.stopJoinRetry();
    this.state = { kind: 'in', roomId: frame.room.id, confirmed: true };
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    if (!frame.resumed) this.timeline.reset(frame.messages.at(-1)?.seq ?? frame.latestSeq);
    this.events.emit('joined', frame);
    for (const waiter of waiters) waiter.resolve(frame);
    if (frame.resumed) this.accept(frame.messages);
    // Unacknowledged sends go (again) with their original ids: the server stores each once.
    this.host.joined(frame.room.id);
  }

  private onRemoved(roomId: string, reason: string): void {
    this.state = { kind: 'outside' };
    this.timeline.reset(0);
    this.host.removed(roomId, reason);
    this.events.emit('removed', { roomId, reason });
  }

  private accept(messages: Message[]): void {
    this.deliverInOrder(messages);
    if (this.timeline.gap()) this.gaps.schedule();
  }

  /** Hands messages over in seq order, without starting a gap fetch. */
  private deliverInOrder(messages: Message[]): void {
    for (const message of messages)
      for (const ready of this.timeline.accept(message)) this.events.emit('message', ready);
  }
}
