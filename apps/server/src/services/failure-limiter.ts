import type { Clock } from '../clock.ts';
import { type Limits, memoryLimits } from '../limits/limits.ts';

/**
 * Counts failures per key in a fixed window (e.g. failed logins per address and account). The
 * counters live in `limits`: in Redis when the nodes share one, so that N nodes do not give an
 * attacker N times the tries; else in this process's memory.
 */
export function createFailureLimiter(options: {
  maxFailures: number;
  windowMs: number;
  clock: Clock;
  limits?: Limits;
}) {
  const limits = options.limits ?? memoryLimits(options.clock.now);
  const name = (key: string) => `login:${key}`;

  return {
    /** Seconds until the key may try again, or 0 when it may try now. */
    async retryAfterSeconds(key: string): Promise<number> {
      const now = options.clock.now();
      const w = await limits.failures(name(key), now);
      if (!w || w.count < options.maxFailures) return 0;
      return Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    },
    recordFailure(key: string): Promise<void> {
      return limits.addFailure(name(key), options.windowMs, options.clock.now());
    },
    reset(key: string): Promise<void> {
      return limits.clearFailures(name(key));
    },
  };
}
export type FailureLimiter = ReturnType<typeof createFailureLimiter>;
