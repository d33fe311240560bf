import type { ClientFrame, Message, SealedMessage, ServerFrame, ServerFrameOf } from '@tandem/protocol';
// Values from the zod-free entry point: a browser bundle must not carry every schema.
import { CloseCode, PROTOCOL_VERSION } from '@tandem/protocol/constants';
import { backoffDelay } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { newClientMessageId } from './ids.ts';
import { Outbox } from './outbox.ts';
import type { RestClient } from './rest.ts';
import { Timeline } from './timeline.ts';

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export type RealtimeEvents = {
  status: ConnectionStatus;
  hello: ServerFrameOf<'hello'>;
  /** A join snapshot. `resumed: false` means: replace what you show with `messages`. */
  joined: ServerFrameOf<'joined'>;
  /** Messages of the current room, in seq order, each once. */
  message: Message;
  presence: ServerFrameOf<'presence'>;
  typing: ServerFrameOf<'typing'>;
  read: ServerFrameOf<'read'>;
  /** Activity in any room, while `watchRooms(true)` is on (for live room lists). */
  roomActivity: ServerFrameOf<'room_activity'>;
  /** Encrypted rooms: a member's device asks for the room key. */
  keyRequest: ServerFrameOf<'key_request'>;
  /** Encrypted rooms: an envelope for one of the room's devices is waiting. */
  keyAvailable: ServerFrameOf<'key_available'>;
  /** A send the server refused for good (it will not be retried). */
  sendFailed: { clientMessageId: string; code: string; message: string };
  /**
   * The server took this socket out of its room unasked: the membership ended elsewhere (left
   * over REST or on another device). The client stays connected, outside any room; its sends
   * for that room failed (`sendFailed`). Join again to return.
   */
  removed: { roomId: string; reason: string };
  /**
   * A send the server refused for now (`internal`, `rate_limited`, `not_in_room`): it stays
   * pending and goes again, same clientMessageId, in `delayMs`.
   */
  sendRetrying: { clientMessageId: string; code: string; message: string; attempt: number; delayMs: number };
  /** Errors not tied to a send or join. */
  error: ServerFrameOf<'error'>;
  /**
   * The connection ended and will not be retried: signed out (4401), unsupported version (4426),
   * or close() (1000). Only these; every other close is retried (see `reconnectScheduled`).
   */
  closed: { code: number; reason: string };
  /**
   * The connection was lost or refused for now and a new one will be tried in `delayMs`: what a
   * UI needs to say "reconnecting in 4 s". `code` and `reason` are the close's (e.g. 1013: the
   * server could not check the session just now, keep the token); 4000 when the client dropped
   * the socket itself (`reason` says why: no hello in time, no answer to a ping).
   */
  reconnectScheduled: { attempt: number; delayMs: number; code: number; reason: string };
};

type Target = { roomId: string } | { roomName: string };

export type RealtimeOptions = {
  /** e.g. ws://localhost:8000/ws */
  url: string;
  /** A session token; without one the browser's session cookie authenticates the socket. */
  token?: string;
  /** Used to fill gaps from history; without it the client rejoins to catch up. */
  rest?: Pick<RestClient, 'history'>;
  WebSocket?: typeof WebSocket;
  /** Reconnects: exponential backoff with full jitter (default 500 ms doubling to 15 s). */
  backoff?: { baseMs: number; maxMs: number };
  /**
   * Sends and joins the server refused for now (`internal`, `rate_limited`; sends also
   * `not_in_room`), and failed gap fetches: retried with this backoff, full jitter (default
   * 250 ms doubling to 10 s).
   */
  retryBackoff?: { baseMs: number; maxMs: number };
  /** How long a message after a gap is held before the gap is fetched. */
  gapWaitMs?: number;
  /**
   * A socket that has not said `hello` this long after it was created (a node that accepts TCP
   * but never answers, or never finishes the upgrade) is dropped and another tried, with
   * backoff. Default 5000 ms.
   */
  helloTimeoutMs?: number;
  /**
   * A send written on an open socket and not acknowledged this long makes the client ping; no
   * frame at all within `pingTimeoutMs` and the socket is taken for frozen, dropped and replaced
   * (the send goes again after the rejoin, same id). Default 10 000 ms.
   */
  ackTimeoutMs?: number;
  /** How long a ping (after `ackTimeoutMs`) may go unanswered. Default 3000 ms. */
  pingTimeoutMs?: number;
};

/**
 * Closes after which retrying cannot help: the session is over (4401) or this client is too old
 * (4426). Every other close is retried with backoff, the token kept — in particular 1013
 * (tryAgainLater: the server could not check the session just now) and 1011 (the server failed),
 * which say nothing about the token.
 */
const FINAL_CLOSES = new Set<number>([CloseCode.unauthorized, CloseCode.unsupportedVersion]);
/** Messages per history request when filling a gap (the server's maximum page). */
const HISTORY_PAGE = 100;
/** The close code the client gives a socket it drops itself (dead, frozen, or told to go). */
const DROPPED = 4000;
/** Errors after which a send will never succeed as it is. */
const PERMANENT_SEND_ERRORS = new Set(['validation_failed', 'forbidden', 'not_found', 'conflict', 'unauthorized']);
/** Errors after which a join may well succeed a little later; any other refuses it for good. */
const RETRYABLE_JOIN_ERRORS = new Set(['internal', 'rate_limited']);

export class RealtimeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
  }
}

/**
 * A realtime connection that survives the network: it reconnects with backoff and jitter,
 * rejoins its room with the last seq it has, hands messages over in order and once, and
 * resends unacknowledged messages with their original ids.
 */
export class RealtimeClient {
  private readonly events = new Emitter<RealtimeEvents>();
  private readonly options: Required<Omit<RealtimeOptions, 'token' | 'rest' | 'WebSocket'>> & RealtimeOptions;
  private readonly WebSocketImpl: typeof WebSocket;
  private socket: WebSocket | null = null;
  private authenticated = false;
  /**
   * The server confirmed the join on this very socket. Sends wait for it, so that after a
   * reconnect the unacknowledged ones go first and a person's messages keep their order.
   */
  private joinConfirmed = false;
  private currentStatus: ConnectionStatus = 'idle';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private livenessTimer: ReturnType<typeof setInterval> | undefined;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private lastFrameAt = 0;
  private heartbeatMs = 30_000;
  private stopped = false;
  private target: Target | null = null;
  private joinedRoomId: string | null = null;
  private readonly timeline = new Timeline();
  private joinWaiters: Array<{ resolve: (f: ServerFrameOf<'joined'>) => void; reject: (e: Error) => void }> = [];
  private readonly outbox = new Outbox();
  private refCounter = 0;
  private watching = false;
  /** Sends refused for now: how often, and the timer of the next try. */
  private readonly sendRetries = new Map<
    string,
    { attempt: number; code?: string; timer?: ReturnType<typeof setTimeout> }
  >();
  /** The ref of the latest join written: an error for an older one is stale. */
  private joinRef: string | null = null;
  private joinAttempt = 0;
  private joinRetryTimer: ReturnType<typeof setTimeout> | undefined;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sends written on this socket and not yet answered: when each was written. */
  private readonly inFlight = new Map<string, number>();
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** A gap fetch is under way (one at a time), and how many in a row have failed. */
  private gapFilling = false;
  private gapAttempt = 0;

  constructor(options: RealtimeOptions) {
    this.options = {
      backoff: { baseMs: 500, maxMs: 15_000 },
      retryBackoff: { baseMs: 250, maxMs: 10_000 },
      gapWaitMs: 300,
      helloTimeoutMs: 5000,
      ackTimeoutMs: 10_000,
      pingTimeoutMs: 3000,
      ...options,
    };
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (!impl) throw new Error('No WebSocket implementation: pass options.WebSocket');
    this.WebSocketImpl = impl;
  }

  on<K extends keyof RealtimeEvents>(event: K, listener: (payload: RealtimeEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The room this connection is in, once the server confirmed the join. */
  get roomId(): string | null {
    return this.joinedRoomId;
  }

  get lastSeq(): number {
    return this.timeline.lastSeq;
  }

  /** Sends not yet acknowledged by the server. */
  get pending(): number {
    return this.outbox.size;
  }

  setToken(token: string | undefined): void {
    this.options.token = token;
  }

  connect(): void {
    this.stopped = false;
    if (this.socket || this.reconnectTimer) return;
    this.open();
  }

  /** Enters a room (leaving any other); resolves with the snapshot. */
  join(target: Target): Promise<ServerFrameOf<'joined'>> {
    const sameRoom = 'roomId' in target && target.roomId === this.joinedRoomId;
    if (!sameRoom) {
      this.joinedRoomId = null;
      this.timeline.reset(0);
    }
    this.target = target;
    const promise = new Promise<ServerFrameOf<'joined'>>((resolve, reject) =>
      this.joinWaiters.push({ resolve, reject }),
    );
    if (this.authenticated) this.sendJoin();
    else this.connect();
    return promise;
  }

  leave(): void {
    const roomId = this.joinedRoomId;
    this.stopJoinRetry();
    this.target = null;
    this.joinedRoomId = null;
    this.timeline.reset(0);
    if (roomId) this.write({ type: 'leave', roomId });
  }

  /**
   * Sends a message to the current room: text, files uploaded first (`attachmentIds` from
   * `POST /uploads`), or both; in an encrypted room, `body` is empty and `sealed` carries the
   * ciphertext (its clientMessageId must be this send's). `done` resolves with the stored
   * message once the server acknowledged it; until then it is kept and resent (same id) after
   * reconnects.
   */
  send(
    body: string,
    clientMessageId: string = newClientMessageId(),
    attachmentIds: string[] = [],
    sealed?: SealedMessage,
  ): { clientMessageId: string; done: Promise<Message> } {
    const target = this.target;
    const roomId = this.joinedRoomId ?? (target && 'roomId' in target ? target.roomId : '');
    const done = this.outbox.add({ clientMessageId, roomId, body, attachmentIds, sealed });
    if (roomId !== '' && roomId === this.joinedRoomId) this.flushOne(clientMessageId);
    return { clientMessageId, done };
  }

  typing(active: boolean): void {
    if (this.joinedRoomId) this.write({ type: 'typing', roomId: this.joinedRoomId, active });
  }

  /** Live `roomActivity` events for every room; kept on across reconnects until turned off. */
  watchRooms(active: boolean): void {
    this.watching = active;
    if (this.authenticated) this.write({ type: 'watch_rooms', active });
    else if (active) this.connect();
  }

  markRead(seq: number): void {
    if (this.joinedRoomId) this.write({ type: 'read', roomId: this.joinedRoomId, seq });
  }

  /** Ends the connection for good; unacknowledged sends are rejected. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.stopJoinRetry();
    this.stopSendRetries();
    this.stopSocketTimers();
    const socket = this.socket;
    this.socket = null;
    this.authenticated = false;
    this.joinConfirmed = false;
    socket?.close(1000, 'client closed');
    this.outbox.failAll(new RealtimeError('closed', 'The connection was closed before the message was stored.'));
    this.failJoins(new RealtimeError('closed', 'The connection was closed.'));
    this.setStatus('closed');
    this.events.emit('closed', { code: 1000, reason: 'client closed' });
  }

  // ------------------------------------------------------------------ connection lifecycle

  private open(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = new this.WebSocketImpl(`${this.options.url}${separator}v=${PROTOCOL_VERSION}`);
    this.socket = socket;
    clearTimeout(this.helloTimer);
    const helloTimeoutMs = this.options.helloTimeoutMs;
    this.helloTimer = setTimeout(() => {
      this.helloTimer = undefined;
      if (this.socket === socket && !this.authenticated) this.drop(`no hello within ${helloTimeoutMs} ms`);
    }, helloTimeoutMs);
    socket.onopen = () => {
      if (this.options.token) this.write({ type: 'auth', token: this.options.token });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (socket !== this.socket) return;
      this.lastFrameAt = Date.now();
      this.receive(JSON.parse(String(event.data)) as ServerFrame);
    };
    socket.onclose = (event: CloseEvent) => {
      if (socket !== this.socket) return;
      this.onClosed(event.code, event.reason);
    };
    socket.onerror = () => {
      // A close event follows; reconnection is decided there.
    };
  }

  private onClosed(code: number, reason: string): void {
    this.socket = null;
    this.authenticated = false;
    this.joinConfirmed = false;
    this.stopSocketTimers();
    if (this.stopped) return;
    if (FINAL_CLOSES.has(code)) {
      this.stopped = true;
      // Unacknowledged sends stay in the outbox (pending), but nothing retries them any more.
      this.stopSendRetries();
      this.failJoins(
        new RealtimeError(code === CloseCode.unauthorized ? 'unauthorized' : 'unsupported_version', reason),
      );
      this.setStatus('closed');
      this.events.emit('closed', { code, reason });
      return;
    }
    this.scheduleReconnect({ code, reason });
  }

  private scheduleReconnect(cause: { code: number; reason: string }, delayMs?: number): void {
    if (this.stopped || this.reconnectTimer) return;
    this.setStatus('reconnecting');
    const delay = delayMs ?? backoffDelay(this.attempt, this.options.backoff);
    this.attempt += 1;
    this.events.emit('reconnectScheduled', { attempt: this.attempt, delayMs: delay, ...cause });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.open();
    }, delay);
  }

  /** Drops the socket as if the network failed; the client reconnects and resumes. */
  dropConnection(): void {
    this.drop('dropped by client');
  }

  /** Closes the current socket (if any) and reconnects after `delayMs`, else after the backoff. */
  private drop(reason: string, delayMs?: number): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.authenticated = false;
    this.joinConfirmed = false;
    this.stopSocketTimers();
    try {
      // A close reason is at most 123 bytes.
      socket.close(DROPPED, /^[\x20-\x7e]{0,120}$/.test(reason) ? reason : 'dropped by client');
    } catch {
      // Already closing.
    }
    this.scheduleReconnect({ code: DROPPED, reason }, delayMs);
  }

  /**
   * The app is in front again (a phone coming back from the background) or the network is back:
   * a reconnect waiting out its backoff goes now, and an open socket must prove it is alive
   * (answer a ping within `timeoutMs`) or is replaced. The OS may have dropped it silently.
   */
  wake(timeoutMs = 3000): void {
    if (this.stopped) return;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      this.attempt = 0;
      this.open();
      return;
    }
    this.probe(timeoutMs);
  }

  /** Pings; an open socket that sends no frame at all within `timeoutMs` is dropped and replaced. */
  private probe(timeoutMs: number): void {
    const socket = this.socket;
    if (!socket || !this.authenticated || this.probeTimer) return;
    const askedAt = Date.now();
    this.write({ type: 'ping' });
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.socket === socket && this.lastFrameAt < askedAt) this.drop(`no answer to a ping within ${timeoutMs} ms`);
    }, timeoutMs);
  }

  /** Watches the sends in flight: one unanswered for `ackTimeoutMs` makes the client probe the socket. */
  private armAckTimer(delayMs = this.options.ackTimeoutMs): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      this.checkAcks();
    }, delayMs);
  }

  private checkAcks(): void {
    if (this.inFlight.size === 0 || !this.authenticated) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const writtenAt of this.inFlight.values()) oldest = Math.min(oldest, writtenAt);
    const dueIn = oldest + this.options.ackTimeoutMs - Date.now();
    if (dueIn > 0) {
      this.armAckTimer(dueIn);
      return;
    }
    // Is anyone there? The probe replaces a socket that stays silent; one that answers only has
    // a slow server behind it: keep waiting for the ack, and look again later.
    this.probe(this.options.pingTimeoutMs);
    this.armAckTimer();
  }

  private startLiveness(): void {
    this.stopLiveness();
    this.lastFrameAt = Date.now();
    // Browsers cannot see protocol pings, so the client pings too, and a socket silent for two
    // intervals is taken for dead (a half-open TCP connection never closes by itself).
    this.livenessTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * this.heartbeatMs) this.drop('no frame for two heartbeats');
      else this.write({ type: 'ping' });
    }, this.heartbeatMs);
  }

  private stopLiveness(): void {
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
  }

  /** The socket is gone: nothing of its own may fire any more (sends in flight go again after the rejoin). */
  private stopSocketTimers(): void {
    this.stopLiveness();
    this.stopJoinRetry();
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.inFlight.clear();
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.events.emit('status', status);
  }

  /** Writes a frame if the socket is open; says whether it did. */
  private write(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (socket?.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  // ------------------------------------------------------------------ frames

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        clearTimeout(this.helloTimer);
        this.helloTimer = undefined;
        this.authenticated = true;
        this.attempt = 0;
        this.heartbeatMs = frame.heartbeatMs;
        this.startLiveness();
        this.setStatus('open');
        this.events.emit('hello', frame);
        if (this.watching) this.write({ type: 'watch_rooms', active: true });
        if (this.target) this.sendJoin();
        return;
      case 'joined':
        this.onJoined(frame);
        return;
      case 'message':
        if (frame.message.roomId === this.joinedRoomId) this.accept([frame.message]);
        return;
      case 'ack':
        this.onAck(frame.message);
        return;
      case 'presence':
      case 'typing':
      case 'read':
        if (frame.roomId === this.joinedRoomId) this.emitRoomEvent(frame);
        return;
      case 'error':
        this.onError(frame);
        return;
      case 'reconnect':
        // The node is going away: reconnect soon, at a random moment within a second.
        this.drop(`the server asked: ${frame.reason}`, Math.floor(Math.random() * 1000));
        return;
      case 'key_request':
        if (frame.roomId === this.joinedRoomId) this.events.emit('keyRequest', frame);
        return;
      case 'key_available':
        if (frame.roomId === this.joinedRoomId) this.events.emit('keyAvailable', frame);
        return;
      case 'room_activity':
        this.events.emit('roomActivity', frame);
        return;
      case 'resync':
        // Live events may have been missed (the server's bus was down): rejoin with lastSeq.
        if (frame.roomId === this.joinedRoomId && this.joinConfirmed) this.sendJoin();
        return;
      case 'left':
        // Unasked (with a reason): the membership ended elsewhere (left over REST, on another
        // device). Sends still waiting for this room will never be stored: fail them, say so.
        if (frame.reason !== undefined && frame.roomId === this.joinedRoomId)
          this.onRemoved(frame.roomId, frame.reason);
        return;
      case 'pong':
      case 'watching':
        return;
    }
  }

  private emitRoomEvent(frame: ServerFrameOf<'presence'> | ServerFrameOf<'typing'> | ServerFrameOf<'read'>): void {
    if (frame.type === 'presence') this.events.emit('presence', frame);
    else if (frame.type === 'typing') this.events.emit('typing', frame);
    else this.events.emit('read', frame);
  }

  private sendJoin(): void {
    const target = this.target;
    if (!target) return;
    // Resume only in the room we were confirmed in; a room looked up by name starts afresh.
    const resume = this.joinedRoomId !== null && this.timeline.lastSeq > 0 ? { lastSeq: this.timeline.lastSeq } : {};
    const where = this.joinedRoomId ? { roomId: this.joinedRoomId } : target;
    this.stopJoinRetry();
    const ref = `join-${++this.refCounter}`;
    this.joinRef = ref;
    this.write({ type: 'join', ref, ...where, ...resume });
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
      if (this.authenticated && this.target) this.sendJoin();
    }, delay);
  }

  private onJoined(frame: ServerFrameOf<'joined'>): void {
    this.joinAttempt = 0;
    this.stopJoinRetry();
    this.joinedRoomId = frame.room.id;
    this.joinConfirmed = true;
    this.target = { roomId: frame.room.id };
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    if (!frame.resumed) this.timeline.reset(frame.messages.at(-1)?.seq ?? frame.latestSeq);
    this.events.emit('joined', frame);
    for (const waiter of waiters) waiter.resolve(frame);
    if (frame.resumed) this.accept(frame.messages);
    // Unacknowledged sends go (again) with their original ids: the server stores each once.
    this.outbox.bindUnbound(frame.room.id);
    for (const pending of this.outbox.forRoom(frame.room.id)) this.flushOne(pending.clientMessageId);
  }

  private onAck(message: Message): void {
    this.forgetRetry(message.clientMessageId);
    this.outbox.acknowledge(message);
    if (message.roomId === this.joinedRoomId) this.accept([message]);
    // The server stores again: sends that failed on its side (a database outage) and wait out
    // a backoff go now, in order, instead of up to 10 s later. Rate-limited ones keep waiting.
    for (const pending of this.outbox.forRoom(message.roomId)) {
      const retry = this.sendRetries.get(pending.clientMessageId);
      if (retry?.timer && retry.code === 'internal') this.flushOne(pending.clientMessageId);
    }
  }

  private onError(frame: ServerFrameOf<'error'>): void {
    const pending = frame.ref ? this.outbox.get(frame.ref) : undefined;
    if (pending) {
      if (PERMANENT_SEND_ERRORS.has(frame.code)) {
        this.forgetRetry(pending.clientMessageId);
        this.outbox.fail(pending.clientMessageId, new RealtimeError(frame.code, frame.message));
        this.events.emit('sendFailed', {
          clientMessageId: pending.clientMessageId,
          code: frame.code,
          message: frame.message,
        });
      } else {
        // rate_limited, not_in_room (a rejoin is under way) or internal: the same send again
        // after a growing, jittered wait, until it is acknowledged or refused for good.
        this.retrySend(pending.clientMessageId, frame);
      }
      return;
    }
    if (frame.ref?.startsWith('join-')) {
      if (RETRYABLE_JOIN_ERRORS.has(frame.code)) {
        // Stay in line for the room: a first join's promise waits, a resume goes on quietly.
        // An error for an older join is stale: the latest one is still under way.
        if (frame.ref === this.joinRef) this.retryJoin();
        return;
      }
      const waited = this.joinWaiters.length > 0;
      this.failJoins(new RealtimeError(frame.code, frame.message));
      this.target = this.joinedRoomId ? { roomId: this.joinedRoomId } : null;
      // A rejoin refused for good (removed from the room, room gone) has no promise to reject:
      // say so, or the UI would sit outside its room without knowing.
      if (!waited) this.events.emit('error', frame);
      return;
    }
    this.events.emit('error', frame);
  }

  private onRemoved(roomId: string, reason: string): void {
    this.target = null;
    this.joinedRoomId = null;
    this.joinConfirmed = false;
    this.timeline.reset(0);
    for (const pending of this.outbox.forRoom(roomId)) {
      this.forgetRetry(pending.clientMessageId);
      this.outbox.fail(pending.clientMessageId, new RealtimeError('not_in_room', reason));
      this.events.emit('sendFailed', {
        clientMessageId: pending.clientMessageId,
        code: 'not_in_room',
        message: reason,
      });
    }
    this.events.emit('removed', { roomId, reason });
  }

  private retrySend(clientMessageId: string, frame: ServerFrameOf<'error'>): void {
    this.inFlight.delete(clientMessageId);
    const retry = this.sendRetries.get(clientMessageId) ?? { attempt: 0 };
    retry.code = frame.code;
    this.sendRetries.set(clientMessageId, retry);
    clearTimeout(retry.timer);
    const delayMs = backoffDelay(retry.attempt, this.options.retryBackoff);
    retry.attempt += 1;
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      // Not joined right now: the rejoin's flush sends it.
      this.flushOne(clientMessageId);
    }, delayMs);
    this.events.emit('sendRetrying', {
      clientMessageId,
      code: frame.code,
      message: frame.message,
      attempt: retry.attempt,
      delayMs,
    });
  }

  private stopSendRetries(): void {
    for (const retry of this.sendRetries.values()) clearTimeout(retry.timer);
    this.sendRetries.clear();
  }

  /** The send is settled: no retry, no ack awaited. */
  private forgetRetry(clientMessageId: string): void {
    this.inFlight.delete(clientMessageId);
    clearTimeout(this.sendRetries.get(clientMessageId)?.timer);
    this.sendRetries.delete(clientMessageId);
  }

  private flushOne(clientMessageId: string): void {
    const pending = this.outbox.get(clientMessageId);
    if (!pending || !this.joinConfirmed || pending.roomId !== this.joinedRoomId) return;
    const retry = this.sendRetries.get(clientMessageId);
    if (retry?.timer) {
      // Going now (a rejoin's flush): the scheduled retry would only repeat it.
      clearTimeout(retry.timer);
      retry.timer = undefined;
    }
    const written = this.write({
      type: 'send',
      ref: pending.clientMessageId,
      roomId: pending.roomId,
      clientMessageId: pending.clientMessageId,
      body: pending.body,
      attachmentIds: pending.attachmentIds,
      ...(pending.sealed ? { sealed: pending.sealed } : {}),
    });
    if (!written) return;
    this.inFlight.set(clientMessageId, Date.now());
    this.armAckTimer();
  }

  private failJoins(error: Error): void {
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  // ------------------------------------------------------------------ ordering

  private accept(messages: Message[]): void {
    this.acceptInOrder(messages);
    if (this.timeline.gap()) this.scheduleGapFill();
  }

  /** A message arrived ahead of one still missing: wait briefly, then fetch the gap. */
  private scheduleGapFill(delayMs = this.options.gapWaitMs): void {
    if (this.gapTimer || this.gapFilling) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.fillGap();
    }, delayMs);
  }

  /**
   * Fetches everything after the last contiguous seq, in pages of HISTORY_PAGE back to back
   * while the server says there is more, and hands each page over as it comes: one round trip
   * per hundred missed messages, whatever the number of gaps. A failed fetch is tried again
   * with the retry backoff.
   */
  private async fillGap(): Promise<void> {
    const roomId = this.joinedRoomId;
    if (!this.timeline.gap() || !roomId || this.stopped) return;
    const rest = this.options.rest;
    if (!rest) {
      this.sendJoin();
      return;
    }
    this.gapFilling = true;
    try {
      let after = this.timeline.lastSeq;
      for (let more = true; more; ) {
        const page = await rest.history(roomId, { after, limit: HISTORY_PAGE });
        if (roomId !== this.joinedRoomId || this.stopped) break;
        this.acceptInOrder(page.messages);
        const newest = page.messages.at(-1)?.seq ?? after;
        // `newest > after`: a server that says "more" but gives nothing new must not loop us.
        more = page.hasMore && newest > after;
        after = newest;
      }
    } catch {
      // Tried again below.
    } finally {
      this.gapFilling = false;
    }
    if (this.stopped) return;
    if (roomId !== this.joinedRoomId || !this.timeline.gap()) {
      // Done; or this was another room's, and the room now shown may have a gap of its own.
      this.gapAttempt = 0;
      if (this.timeline.gap()) this.scheduleGapFill();
      return;
    }
    // The fetch failed, or the server did not have the missing seq yet: again, after a wait
    // that grows while the gap stays.
    const delay = Math.max(this.options.gapWaitMs, backoffDelay(this.gapAttempt, this.options.retryBackoff));
    this.gapAttempt += 1;
    this.scheduleGapFill(delay);
  }

  /** Hands messages over in seq order, without starting a gap fetch (the caller is one). */
  private acceptInOrder(messages: Message[]): void {
    for (const message of messages)
      for (const ready of this.timeline.accept(message)) this.events.emit('message', ready);
  }
}
