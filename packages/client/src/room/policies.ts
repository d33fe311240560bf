import { TYPING_REFRESH_MS } from '@tandem/protocol/constants';

/**
 * Your typing lease: `active` goes at once, then at most every `refreshMs` while the draft keeps
 * changing (the server's lease outlasts that); an emptied draft ends it. A send ends it on the
 * server, so `sent()` only forgets it (no `typing: false` frame).
 */
export class TypingReporter {
  /** When `active` last went (0: not typing). */
  private sentAt = 0;

  private readonly report: (active: boolean) => void;
  private readonly refreshMs: number;

  constructor(report: (active: boolean) => void, refreshMs = TYPING_REFRESH_MS) {
    this.report = report;
    this.refreshMs = refreshMs;
  }

  draft(text: string): void {
    if (text.trim() === '') {
      this.end();
      return;
    }
    const now = Date.now();
    if (this.sentAt !== 0 && now - this.sentAt < this.refreshMs) return;
    this.sentAt = now;
    this.report(true);
  }

  sent(): void {
    this.sentAt = 0;
  }

  end(): void {
    if (this.sentAt !== 0) this.report(false);
    this.sentAt = 0;
  }
}

/**
 * Marks the newest message read while the room is visible: once at once, then at most every
 * `everyMs` (the newest seq always goes in the end). `reset()` after a rejoin: a mark sent into a
 * dropped socket was lost.
 */
export class ReadMarker {
  visible = false;
  private markedSeq = 0;
  private markedAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The seq to mark now, or 0 when there is nothing to mark (not joined, all read). */
  private readonly newestUnread: () => number;
  private readonly mark: (seq: number) => void;
  private readonly everyMs: number;

  constructor(newestUnread: () => number, mark: (seq: number) => void, everyMs = 1000) {
    this.newestUnread = newestUnread;
    this.mark = mark;
    this.everyMs = everyMs;
  }

  reset(): void {
    this.markedSeq = 0;
  }

  check(): void {
    if (!this.visible) return;
    const seq = this.newestUnread();
    if (seq === 0 || seq <= this.markedSeq) return;
    const wait = this.markedAt + this.everyMs - Date.now();
    if (wait > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, wait);
      return;
    }
    this.markedSeq = seq;
    this.markedAt = Date.now();
    this.mark(seq);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The others' typing leases: each ends by itself after `expiresInMs` without a refresh. */
export class TypingLeases {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  start(userId: string, expiresInMs: number, expired: () => void): void {
    this.end(userId);
    this.timers.set(
      userId,
      setTimeout(() => {
        this.timers.delete(userId);
        expired();
      }, expiresInMs),
    );
  }

  end(userId: string): void {
    clearTimeout(this.timers.get(userId));
    this.timers.delete(userId);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
