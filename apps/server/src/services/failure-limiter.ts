import type { Clock } from '../clock.ts';

/**
 * Counts failures per key in a fixed window (e.g. failed logins per address and account).
 * In memory, per node: with several nodes an attacker gets N tries per node, which still
 * turns an online guessing attack from millions of tries into a handful.
 */
export function createFailureLimiter(options: { maxFailures: number; windowMs: number; clock: Clock }) {
  const windows = new Map<string, { count: number; resetAt: number }>();

  const live = (key: string) => {
    const w = windows.get(key);
    if (w && w.resetAt <= options.clock.now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };

  return {
    /** Seconds until the key may try again, or 0 when it may try now. */
    retryAfterSeconds(key: string): number {
      const w = live(key);
      if (!w || w.count < options.maxFailures) return 0;
      return Math.ceil((w.resetAt - options.clock.now()) / 1000);
    },
    recordFailure(key: string): void {
      const w = live(key);
      if (w) w.count += 1;
      else windows.set(key, { count: 1, resetAt: options.clock.now() + options.windowMs });
      // Bounded memory: a flood of distinct keys cannot grow the map without limit.
      if (windows.size > 100_000) {
        for (const k of windows.keys()) if (!live(k)) windows.delete(k);
        if (windows.size > 100_000) windows.clear();
      }
    },
    reset(key: string): void {
      windows.delete(key);
    },
  };
}
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
