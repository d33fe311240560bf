import type { Message } from '@tandem/protocol';
import { backoffDelay } from '../backoff.ts';
import type { Timeline } from '../timeline.ts';
import type { ResolvedOptions } from './types.ts';

/** Messages per history request when filling a gap (the server's maximum page). */
const HISTORY_PAGE = 100;

export type GapFillerHost = {
  /** The room confirmed now, if any. */
  roomId(): string | null;
  stopped(): boolean;
  /** No REST client to fetch with: rejoin with the last seq to catch up instead. */
  rejoin(): void;
  /** Messages fetched, handed over in seq order (without starting another fetch). */
  deliver(messages: Message[]): void;
};

/**
 * Fills the gaps of a room's timeline from history: a message that arrived ahead of one still
 * missing waits `gapWaitMs`, then everything after the last contiguous seq is fetched. One fetch
 * at a time; a failed one is tried again with the retry backoff.
 */
export class GapFiller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A fetch is under way (one at a time), and how many in a row have failed. */
  private filling = false;
  private attempt = 0;
  private readonly options: ResolvedOptions;
  private readonly timeline: Timeline;
  private readonly host: GapFillerHost;

  constructor(options: ResolvedOptions, timeline: Timeline, host: GapFillerHost) {
    this.options = options;
    this.timeline = timeline;
    this.host = host;
  }

  /** A message arrived ahead of one still missing: wait briefly, then fetch the gap. */
  schedule(delayMs = this.options.gapWaitMs): void {
    if (this.timer || this.filling) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fill();
    }, delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Fetches everything after the last contiguous seq, in pages of HISTORY_PAGE back to back
   * while the server says there is more, and hands each page over as it comes: one round trip
   * per hundred missed messages, whatever the number of gaps. A failed fetch is tried again
   * with the retry backoff.
   */
  private async fill(): Promise<void> {
    const roomId = this.host.roomId();
    if (!this.timeline.gap() || !roomId || this.host.stopped()) return;
    const rest = this.options.rest;
    if (!rest) {
      this.host.rejoin();
      return;
    }
    this.filling = true;
    try {
      let after = this.timeline.lastSeq;
      for (let more = true; more; ) {
        const page = await rest.history(roomId, { after, limit: HISTORY_PAGE });
        if (roomId !== this.host.roomId() || this.host.stopped()) break;
        this.host.deliver(page.messages);
        const newest = page.messages.at(-1)?.seq ?? after;
        // `newest > after`: a server that says "more" but gives nothing new must not loop us.
        more = page.hasMore && newest > after;
        after = newest;
      }
    } catch {
      // Tried again below.
    } finally {
      this.filling = false;
    }
    if (this.host.stopped()) return;
    if (roomId !== this.host.roomId() || !this.timeline.gap()) {
      // Done; or this was another room's, and the room now shown may have a gap of its own.
      this.attempt = 0;
      if (this.timeline.gap()) this.schedule();
      return;
    }
    // The fetch failed, or the server did not have the missing seq yet: again, after a wait
    // that grows while the gap stays.
    const delay = Math.max(this.options.gapWaitMs, backoffDelay(this.attempt, this.options.retryBackoff));
    this.attempt += 1;
    this.schedule(delay);
  }
}
