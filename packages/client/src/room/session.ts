import type { Attachment, Message } from '@tandem/protocol';
import { errorText } from './errors.ts';
import { listenToRoom } from './events.ts';
import { ReadMarker, TypingLeases, TypingReporter } from './policies.ts';
import * as reduce from './reducers.ts';
import { latestSeq } from './reducers.ts';
import { PendingSends } from './sends.ts';
import { initialRoomState, type RoomCrypto, type RoomHistory, type RoomRealtime } from './types.ts';
import { messageProblem } from './view.ts';

export type RoomSessionOptions = {
  roomId: string;
  /** Who is signed in: their messages are "own", their typing is not shown, their reads are theirs. */
  userId: string;
  realtime: RoomRealtime;
  /** Older pages (`loadOlder`); without it there are none. */
  history?: RoomHistory;
  /** Encrypted rooms: opens and seals (see `RoomCrypto`). Can also be set later with `setCrypto`. */
  crypto?: RoomCrypto;
  /** Typing `active: true` goes at most this often while the draft changes (default TYPING_REFRESH_MS). */
  typingRefreshMs?: number;
  /** Read marks go at most this often (default 1000 ms); the newest seq always goes in the end. */
  markReadEveryMs?: number;
  /** Messages per older page (default 50). */
  historyPage?: number;
  now?: () => Date;
};

export type SendResult = { ok: true; clientMessageId: string } | { ok: false; problem: string };

/**
 * One room as every client shows it, with no UI framework: the join snapshot kept live by the
 * realtime connection's events, your sends until stored, older pages, and the policies (typing
 * lease, mark-read while visible, retry with the same id). `state` is immutable and replaced on
 * every change; `subscribe` says when — React binds with `useSyncExternalStore(session.subscribe,
 * session.getState)`. Reconnecting, resuming with lastSeq, gap filling and resending unacknowledged
 * sends with their ids are the RealtimeClient's; this class only shows their effects.
 *
 * Its collaborators: `listenToRoom` (events.ts) turns the connection's frames into state,
 * `PendingSends` (sends.ts) carries your sends until stored, and the policies (policies.ts) pace
 * typing and read marks. What stays here is the session's life (start, stop), the sealed
 * messages opened, older pages, and the state its subscribers see.
 */
export class RoomSession {
  private readonly options: RoomSessionOptions;
  private current: ReturnType<typeof initialRoomState>;
  private readonly listeners = new Set<() => void>();
  private stops: Array<() => void> = [];
  private crypto: RoomCrypto | undefined;
  private stopCrypto: (() => void) | undefined;
  private readonly leases = new TypingLeases();
  private readonly typingReporter: TypingReporter;
  private readonly reads: ReadMarker;
  private readonly sends: PendingSends;
  private started = false;

  constructor(options: RoomSessionOptions) {
    this.options = options;
    this.current = initialRoomState(options.roomId, options.realtime.status);
    this.crypto = options.crypto;
    const { realtime, roomId, userId } = options;
    this.typingReporter = new TypingReporter((active) => realtime.typing(active), options.typingRefreshMs);
    this.reads = new ReadMarker(
      () => {
        const latest = latestSeq(this.current);
        const joined = this.current.phase === 'joined' && realtime.roomId === roomId;
        return joined && latest > (this.current.reads[userId] ?? 0) ? latest : 0;
      },
      (seq) => realtime.markRead(seq),
      options.markReadEveryMs,
    );
    this.sends = new PendingSends({
      realtime,
      state: () => this.current,
      update: (next) => this.update(next),
      crypto: () => this.crypto,
      now: () => this.now(),
    });
  }

  get state(): ReturnType<typeof initialRoomState> {
    return this.current;
  }

  /** `state`, as a function (for `useSyncExternalStore`'s getSnapshot). */
  getState = () => this.current;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Listens to the connection and joins the room. After `stop()` it may start again (React's
   * StrictMode mounts, unmounts and mounts again): it joins afresh.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { realtime, roomId, userId } = this.options;
    this.stops = listenToRoom(realtime, {
      roomId,
      userId,
      state: () => this.current,
      update: (next) => this.update(next),
      leases: this.leases,
      reads: this.reads,
      typingReporter: this.typingReporter,
      openSealed: (messages) => this.openSealed(messages),
      now: () => this.now(),
    });
    this.setCrypto(this.crypto);
    // The connection may have changed between the constructor and now, with nobody listening.
    this.update({ ...reduce.connection(this.current, realtime.status), phase: 'joining' });
    realtime.join({ roomId }).catch((error: unknown) => {
      if (this.current.phase === 'joining')
        this.update(reduce.joinFailed(this.current, errorText(error, 'Could not join.')));
    });
  }

  /** Stops listening; ends your typing lease and leaves the room (if the connection is still in it). */
  stop(): void {
    const { realtime, roomId } = this.options;
    this.started = false;
    for (const stop of this.stops) stop();
    this.stops = [];
    this.stopCrypto?.();
    this.stopCrypto = undefined;
    this.leases.clear();
    this.reads.stop();
    if (realtime.roomId === roomId) {
      this.typingReporter.end();
      realtime.leave();
    }
    this.typingReporter.sent();
  }

  /** Encrypted rooms: what opens and seals; messages not open yet are opened with it now. */
  setCrypto(crypto: RoomCrypto | undefined): void {
    this.stopCrypto?.();
    this.crypto = crypto;
    this.stopCrypto = crypto?.subscribe(() => this.reopen());
    this.reopen();
  }

  /**
   * The draft changed: typing `active` goes at once, then at most every `typingRefreshMs` while
   * it keeps changing (the server's lease outlasts that); an emptied draft ends the lease. Bound:
   * it can be handed to a text field as it is.
   */
  setDraft = (text: string): void => {
    this.typingReporter.draft(text);
  };

  /**
   * Sends `body` (trimmed) with files already uploaded; in an encrypted room it is sealed first
   * (`files`: the sealed files' keys, for the sealer). It shows at once in `pending`, "sending"
   * until stored; the RealtimeClient resends it with the same id after reconnects.
   */
  send(body: string, options: { attachments?: readonly Attachment[]; files?: readonly unknown[] } = {}): SendResult {
    const text = body.trim();
    const attachments = options.attachments ?? [];
    const files = options.files ?? [];
    const problem = messageProblem(text, attachments.length > 0 || files.length > 0);
    if (problem) return { ok: false, problem };
    // Sending ends the typing lease on the server: no `typing: false` needed.
    this.typingReporter.sent();
    return { ok: true, clientMessageId: this.sends.add(text, attachments, files) };
  }

  /**
   * A failed send goes again with its original id (and ciphertext): if it was stored after all,
   * it is not doubled. One that could not be sealed (no key) is sealed now, or stays failed.
   */
  retry(clientMessageId: string): void {
    this.sends.retry(clientMessageId);
  }

  /** Gives up on a failed send. */
  discard(clientMessageId: string): void {
    this.sends.discard(clientMessageId);
  }

  /** Whether the room is on screen (page visible, app in the foreground): while it is, the newest message is marked read. */
  setVisible(visible: boolean): void {
    this.reads.visible = visible;
    this.reads.check();
  }

  /** The page before the oldest message shown, over REST. */
  async loadOlder(): Promise<void> {
    const { history, roomId } = this.options;
    const first = this.current.messages[0]?.seq;
    if (!history || !this.current.hasMore || this.current.loadingOlder || first === undefined) return;
    this.update(reduce.olderStarted(this.current));
    try {
      const page = await history.history(roomId, { before: first, limit: this.options.historyPage ?? 50 });
      this.update(reduce.olderLoaded(this.current, page));
      this.openSealed(page.messages);
    } catch (error) {
      this.update(reduce.olderFailed(this.current, errorText(error, 'Could not load older messages.')));
    }
  }

  // ------------------------------------------------------------------ internals

  private update(next: ReturnType<typeof initialRoomState>): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of [...this.listeners]) listener();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private openSealed(messages: readonly Message[]): void {
    if (!this.crypto || !messages.some((m) => m.sealed)) return;
    this.update(reduce.opened(this.current, this.crypto.open(messages.filter((m) => m.sealed))));
  }

  /** Opens again every sealed message not opened or refused for good (a key may have arrived). */
  private reopen(): void {
    const { opened } = this.current;
    const state = (m: Message) => opened.get(m.id)?.state;
    this.openSealed(this.current.messages.filter((m) => m.sealed && state(m) !== 'open' && state(m) !== 'unverified'));
  }
}
