import type { PublicUser } from '@tandem/protocol';

/**
 * Typing is a lease: it ends by itself `timeoutMs` after the last refresh, and explicitly on
 * stop, on send and when the socket closes — an indicator can never get stuck. Keyed by
 * room and user on this node.
 */
export class TypingLeases {
  private readonly leases = new Map<string, { timer: NodeJS.Timeout; announcedAt: number }>();

  private readonly timeoutMs: number;
  private readonly onExpire: (roomId: string, user: PublicUser) => void;
  private readonly now: () => number;

  constructor(timeoutMs: number, onExpire: (roomId: string, user: PublicUser) => void, now: () => number = Date.now) {
    this.timeoutMs = timeoutMs;
    this.onExpire = onExpire;
    this.now = now;
  }

  /**
   * Starts or refreshes a lease. Returns true when the others should be told (it is new, or
   * half its time has passed since they last were, so their own expiry does not fire).
   */
  start(roomId: string, user: PublicUser): boolean {
    const key = `${roomId}\n${user.id}`;
    const existing = this.leases.get(key);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.leases.delete(key);
      this.onExpire(roomId, user);
    }, this.timeoutMs);
    timer.unref();
    const now = this.now();
    const announce = !existing || now - existing.announcedAt >= this.timeoutMs / 2;
    this.leases.set(key, { timer, announcedAt: announce ? now : (existing?.announcedAt ?? now) });
    return announce;
  }

  /** Ends a lease; returns true when there was one (so the others should be told). */
  stop(roomId: string, userId: string): boolean {
    const key = `${roomId}\n${userId}`;
    const lease = this.leases.get(key);
    if (!lease) return false;
    clearTimeout(lease.timer);
    this.leases.delete(key);
    return true;
  }

  clear(): void {
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
  }
}
