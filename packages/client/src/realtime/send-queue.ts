import type { ClientFrame, Message, ServerFrameOf } from '@tandem/protocol';
import { backoffDelay } from '../backoff.ts';
import type { Emitter } from '../emitter.ts';
import { Outbox, type PendingSend } from '../outbox.ts';
import { RealtimeError, type RealtimeEvents, type ResolvedOptions } from './types.ts';

/** Errors after which a send will never succeed as it is. */
const PERMANENT_SEND_ERRORS = new Set(['validation_failed', 'forbidden', 'not_found', 'conflict', 'unauthorized']);

/** What the send queue needs from the rest of the client. */
export type SendQueueHost = {
  write(frame: ClientFrame): boolean;
  /** The join of `roomId` is confirmed on the current socket: its sends may go. */
  confirmedIn(roomId: string): boolean;
  readonly authenticated: boolean;
  /** Pings; a socket that stays silent `timeoutMs` is replaced. */
  probe(timeoutMs: number): void;
};

/**
 * Sends until the server stores them: kept in the outbox (in order) until acknowledged, written
 * once the room's join is confirmed on the current socket, written again (same clientMessageId,
 * so the server stores each once) after a rejoin or, when refused for now, after a backoff. A
 * send written and not acknowledged in `ackTimeoutMs` makes the connection prove it is alive.
 */
export class SendQueue {
  private readonly outbox = new Outbox();
  /** Sends refused for now: how often, and the timer of the next try. */
  private readonly retries = new Map<
    string,
    { attempt: number; code?: string; timer?: ReturnType<typeof setTimeout> }
  >();
  /** Sends written on this socket and not yet answered: when each was written. */
  private readonly inFlight = new Map<string, number>();
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly options: ResolvedOptions;
  private readonly events: Emitter<RealtimeEvents>;
  private readonly host: SendQueueHost;

  constructor(options: ResolvedOptions, events: Emitter<RealtimeEvents>, host: SendQueueHost) {
    this.options = options;
    this.events = events;
    this.host = host;
  }

  /** Sends not yet acknowledged by the server. */
  get size(): number {
    return this.outbox.size;
  }

  /** Keeps the send until it is stored, and writes it now if its room is joined. `roomId` '' : bound on the next join. */
  add(send: PendingSend): Promise<Message> {
    const done = this.outbox.add(send);
    this.flushOne(send.clientMessageId);
    return done;
  }

  /** The join of `roomId` is confirmed: its waiting sends go (again) in order, with their original ids. */
  flushRoom(roomId: string): void {
    this.outbox.bindUnbound(roomId);
    for (const pending of this.outbox.forRoom(roomId)) this.flushOne(pending.clientMessageId);
  }

  /** The server stored `message`: its send is settled. */
  acknowledge(message: Message): void {
    this.forgetRetry(message.clientMessageId);
    this.outbox.acknowledge(message);
  }

  /**
   * The server stores again (a send of the room was acknowledged): sends that failed on its side
   * (a database outage) and wait out a backoff go now, in order, instead of up to 10 s later.
   * Rate-limited ones keep waiting.
   */
  flushStalled(roomId: string): void {
    for (const pending of this.outbox.forRoom(roomId)) {
      const retry = this.retries.get(pending.clientMessageId);
      if (retry?.timer && retry.code === 'internal') this.flushOne(pending.clientMessageId);
    }
  }

  /** An error for a send: it fails for good, or goes again after a backoff. Says whether it was one. */
  sendError(frame: ServerFrameOf<'error'>): boolean {
    const pending = frame.ref ? this.outbox.get(frame.ref) : undefined;
    if (!pending) return false;
    if (PERMANENT_SEND_ERRORS.has(frame.code)) {
      this.fail(pending.clientMessageId, frame.code, frame.message);
    } else {
      // rate_limited, not_in_room (a rejoin is under way) or internal: the same send again
      // after a growing, jittered wait, until it is acknowledged or refused for good.
      this.retry(pending.clientMessageId, frame);
    }
    return true;
  }

  /** The membership of `roomId` ended: its sends will never be stored. */
  failRoom(roomId: string, reason: string): void {
    for (const pending of this.outbox.forRoom(roomId)) this.fail(pending.clientMessageId, 'not_in_room', reason);
  }

  /** Rejects every send, without `sendFailed` (close()). */
  failAll(error: Error): void {
    this.outbox.failAll(error);
  }

  /** The socket is gone: sends in flight go again after the rejoin, not on their ack timer. */
  socketLost(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.inFlight.clear();
  }

  /** No send is retried any more (they stay pending). */
  stopRetries(): void {
    for (const retry of this.retries.values()) clearTimeout(retry.timer);
    this.retries.clear();
  }

  private fail(clientMessageId: string, code: string, message: string): void {
    this.forgetRetry(clientMessageId);
    this.outbox.fail(clientMessageId, new RealtimeError(code, message));
    this.events.emit('sendFailed', { clientMessageId, code, message });
  }

  private retry(clientMessageId: string, frame: ServerFrameOf<'error'>): void {
    this.inFlight.delete(clientMessageId);
    const retry = this.retries.get(clientMessageId) ?? { attempt: 0 };
    retry.code = frame.code;
    this.retries.set(clientMessageId, retry);
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

  /** The send is settled: no retry, no ack awaited. */
  private forgetRetry(clientMessageId: string): void {
    this.inFlight.delete(clientMessageId);
    clearTimeout(this.retries.get(clientMessageId)?.timer);
    this.retries.delete(clientMessageId);
  }

  private flushOne(clientMessageId: string): void {
    const pending = this.outbox.get(clientMessageId);
    if (!pending || !this.host.confirmedIn(pending.roomId)) return;
    const retry = this.retries.get(clientMessageId);
    if (retry?.timer) {
      // Going now (a rejoin's flush): the scheduled retry would only repeat it.
      clearTimeout(retry.timer);
      retry.timer = undefined;
    }
    const written = this.host.write({
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

  /** Watches the sends in flight: one unanswered for `ackTimeoutMs` makes the client probe the socket. */
  private armAckTimer(delayMs = this.options.ackTimeoutMs): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      this.checkAcks();
    }, delayMs);
  }

  private checkAcks(): void {
    if (this.inFlight.size === 0 || !this.host.authenticated) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const writtenAt of this.inFlight.values()) oldest = Math.min(oldest, writtenAt);
    const dueIn = oldest + this.options.ackTimeoutMs - Date.now();
    if (dueIn > 0) {
      this.armAckTimer(dueIn);
      return;
    }
    // Is anyone there? The probe replaces a socket that stays silent; one that answers only has
    // a slow server behind it: keep waiting for the ack, and look again later.
    this.host.probe(this.options.pingTimeoutMs);
    this.armAckTimer();
  }
}
