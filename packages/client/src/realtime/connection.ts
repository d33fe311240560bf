import type { ClientFrame, ServerFrame, ServerFrameOf } from '@tandem/protocol';
// Values from the zod-free entry point: a browser bundle must not carry every schema.
import { CloseCode, PROTOCOL_VERSION } from '@tandem/protocol/constants';
import { backoffDelay } from '../backoff.ts';
import type { Emitter } from '../emitter.ts';
import type { ConnectionStatus, RealtimeEvents, ResolvedOptions } from './types.ts';

/**
 * Closes after which retrying cannot help: the session is over (4401) or this client is too old
 * (4426). Every other close is retried with backoff, the token kept — in particular 1013
 * (tryAgainLater: the server could not check the session just now) and 1011 (the server failed),
 * which say nothing about the token.
 */
const FINAL_CLOSES = new Set<number>([CloseCode.unauthorized, CloseCode.unsupportedVersion]);
/** The close code the client gives a socket it drops itself (dead, frozen, or told to go). */
const DROPPED = 4000;

type Timeout = ReturnType<typeof setTimeout>;

/** Where the connection is: exactly one of these at a time, each with the timers it owns. */
export type SocketState =
  /** No socket and none scheduled: never connected yet, or between a lost socket and its replacement. */
  | { kind: 'idle' }
  /** A reconnect waits out its backoff. */
  | { kind: 'waiting'; timer: Timeout }
  /** A socket exists and has not said hello yet; it is dropped if it does not in time. */
  | { kind: 'connecting'; socket: WebSocket; helloTimer: Timeout }
  /** Authenticated (hello received): pinged every heartbeat; `probe` waits for the answer to a ping. */
  | { kind: 'open'; socket: WebSocket; liveness: ReturnType<typeof setInterval>; probe?: Timeout | undefined }
  /** close(), or a close retrying cannot help: nothing reconnects until connect(). */
  | { kind: 'stopped' };

/** What the connection tells the rest of the client. */
export type ConnectionHooks = {
  /** Hello received, status open, `hello` emitted: (re)join and re-subscribe now. */
  authenticated(): void;
  /** Every frame but `hello`, `reconnect` and `pong`, which the connection handles itself. */
  frame(frame: ServerFrame): void;
  /** The socket is gone (closed, dropped, or close()): nothing of its own may fire any more. */
  socketLost(): void;
  /** A close retrying cannot help (4401, 4426), before `status: closed` and `closed` are emitted. */
  ended(code: number, reason: string): void;
};

/**
 * The socket lifecycle: connect, authenticate (hello), liveness (pings, hello timeout, probes),
 * reconnect with backoff and jitter. Knows nothing of rooms or sends.
 */
export class Connection {
  private state: SocketState = { kind: 'idle' };
  private currentStatus: ConnectionStatus = 'idle';
  /** Reconnects in a row without a hello. */
  private attempt = 0;
  private lastFrameAt = 0;
  private readonly WebSocketImpl: typeof WebSocket;
  private readonly options: ResolvedOptions;
  private readonly events: Emitter<RealtimeEvents>;
  private readonly hooks: ConnectionHooks;

  constructor(options: ResolvedOptions, events: Emitter<RealtimeEvents>, hooks: ConnectionHooks) {
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (!impl) throw new Error('No WebSocket implementation: pass options.WebSocket');
    this.WebSocketImpl = impl;
    this.options = options;
    this.events = events;
    this.hooks = hooks;
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  get kind(): SocketState['kind'] {
    return this.state.kind;
  }

  /** Hello received on the current socket. */
  get authenticated(): boolean {
    return this.state.kind === 'open';
  }

  get stopped(): boolean {
    return this.state.kind === 'stopped';
  }

  connect(): void {
    const { kind } = this.state;
    if (kind === 'connecting' || kind === 'open' || kind === 'waiting') return;
    this.open();
  }

  /** Writes a frame if the socket is open; says whether it did. */
  write(frame: ClientFrame): boolean {
    const socket = this.socket;
    if (socket?.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Ends the connection for good (until connect()): the socket closes with 1000, nothing is retried. */
  stop(): void {
    const socket = this.release();
    this.state = { kind: 'stopped' };
    socket?.close(CloseCode.normal, 'client closed');
  }

  /** Says the connection ended: `status: closed`, then `closed`. */
  announceClosed(code: number, reason: string): void {
    this.setStatus('closed');
    this.events.emit('closed', { code, reason });
  }

  /** Closes the current socket (if any) and reconnects after `delayMs`, else after the backoff. */
  drop(reason: string, delayMs?: number): void {
    if (!this.socket) return;
    const socket = this.release();
    if (!socket) return;
    try {
      // A close reason is at most 123 bytes.
      socket.close(DROPPED, /^[\x20-\x7e]{0,120}$/.test(reason) ? reason : 'dropped by client');
    } catch {
      // Already closing.
    }
    this.scheduleReconnect({ code: DROPPED, reason }, delayMs);
  }

  /** A reconnect waiting out its backoff goes now; an open socket must answer a ping within `timeoutMs`. */
  wake(timeoutMs: number): void {
    const state = this.state;
    if (state.kind === 'stopped') return;
    if (state.kind === 'waiting') {
      clearTimeout(state.timer);
      this.state = { kind: 'idle' };
      this.attempt = 0;
      this.open();
      return;
    }
    this.probe(timeoutMs);
  }

  /** Pings; an open socket that sends no frame at all within `timeoutMs` is dropped and replaced. */
  probe(timeoutMs: number): void {
    const state = this.state;
    if (state.kind !== 'open' || state.probe) return;
    const askedAt = Date.now();
    this.write({ type: 'ping' });
    state.probe = setTimeout(() => {
      state.probe = undefined;
      if (this.state === state && this.lastFrameAt < askedAt) this.drop(`no answer to a ping within ${timeoutMs} ms`);
    }, timeoutMs);
  }

  private get socket(): WebSocket | null {
    const state = this.state;
    return state.kind === 'connecting' || state.kind === 'open' ? state.socket : null;
  }

  private open(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const separator = this.options.url.includes('?') ? '&' : '?';
    const socket = new this.WebSocketImpl(`${this.options.url}${separator}v=${PROTOCOL_VERSION}`);
    const helloTimeoutMs = this.options.helloTimeoutMs;
    const helloTimer = setTimeout(() => {
      if (this.state.kind === 'connecting' && this.state.socket === socket)
        this.drop(`no hello within ${helloTimeoutMs} ms`);
    }, helloTimeoutMs);
    this.state = { kind: 'connecting', socket, helloTimer };
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

  private receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        this.onHello(frame);
        return;
      case 'reconnect':
        // The node is going away: reconnect soon, at a random moment within a second.
        this.drop(`the server asked: ${frame.reason}`, Math.floor(Math.random() * 1000));
        return;
      case 'pong':
        return;
      default:
        this.hooks.frame(frame);
    }
  }

  private onHello(frame: ServerFrameOf<'hello'>): void {
    const state = this.state;
    if (state.kind !== 'connecting' && state.kind !== 'open') return;
    if (state.kind === 'connecting') clearTimeout(state.helloTimer);
    else this.clearTimers(state);
    this.attempt = 0;
    this.lastFrameAt = Date.now();
    // Browsers cannot see protocol pings, so the client pings too, and a socket silent for two
    // intervals is taken for dead (a half-open TCP connection never closes by itself).
    const heartbeatMs = frame.heartbeatMs;
    const liveness = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * heartbeatMs) this.drop('no frame for two heartbeats');
      else this.write({ type: 'ping' });
    }, heartbeatMs);
    this.state = { kind: 'open', socket: state.socket, liveness };
    this.setStatus('open');
    this.events.emit('hello', frame);
    this.hooks.authenticated();
  }

  private onClosed(code: number, reason: string): void {
    this.release();
    if (FINAL_CLOSES.has(code)) {
      this.state = { kind: 'stopped' };
      this.hooks.ended(code, reason);
      this.announceClosed(code, reason);
      return;
    }
    this.scheduleReconnect({ code, reason });
  }

  private scheduleReconnect(cause: { code: number; reason: string }, delayMs?: number): void {
    if (this.state.kind !== 'idle') return;
    this.setStatus('reconnecting');
    const delay = delayMs ?? backoffDelay(this.attempt, this.options.backoff);
    this.attempt += 1;
    this.events.emit('reconnectScheduled', { attempt: this.attempt, delayMs: delay, ...cause });
    const timer = setTimeout(() => {
      if (this.state.kind !== 'waiting' || this.state.timer !== timer) return;
      this.state = { kind: 'idle' };
      this.open();
    }, delay);
    this.state = { kind: 'waiting', timer };
  }

  /**
   * Lets go of the current socket: its timers stop, the state becomes idle (a waiting reconnect
   * is cancelled too), and the rest of the client is told. Returns the socket, for closing.
   */
  private release(): WebSocket | null {
    const state = this.state;
    if (state.kind === 'stopped') return null;
    this.clearTimers(state);
    this.state = { kind: 'idle' };
    if (state.kind !== 'connecting' && state.kind !== 'open') return null;
    this.hooks.socketLost();
    return state.socket;
  }

  private clearTimers(state: SocketState): void {
    if (state.kind === 'waiting') clearTimeout(state.timer);
    else if (state.kind === 'connecting') clearTimeout(state.helloTimer);
    else if (state.kind === 'open') {
      clearInterval(state.liveness);
      clearTimeout(state.probe);
    }
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.events.emit('status', status);
  }
}
