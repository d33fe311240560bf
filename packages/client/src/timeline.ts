import type { Message } from '@tandem/protocol';

/**
 * Puts one room's messages in seq order, once each. `accept` returns the messages that can be
 * shown now: the one given if it is next, plus any held ones it unblocks. A message beyond the
 * next is held until the gap before it is filled; `gap()` says which seqs are missing.
 */
export class Timeline {
  private last: number;
  private readonly held = new Map<number, Message>();

  constructor(lastSeq = 0) {
    this.last = lastSeq;
  }

  get lastSeq(): number {
    return this.last;
  }

  reset(lastSeq: number): void {
    this.last = lastSeq;
    this.held.clear();
  }

  accept(message: Message): Message[] {
    if (message.seq <= this.last || this.held.has(message.seq)) return [];
    this.held.set(message.seq, message);
    const ready: Message[] = [];
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.last = next.seq;
      ready.push(next);
    }
    return ready;
  }

  /** The missing range (exclusive bounds) before the first held message, if any. */
  gap(): { after: number; before: number } | null {
    if (this.held.size === 0) return null;
    return { after: this.last, before: Math.min(...this.held.keys()) };
  }
}
