import { describe, expect, it } from 'vitest';
import { memoryLimits } from '../../src/limits/limits.ts';
import { createFailureLimiter } from '../../src/services/failure-limiter.ts';
import { manualClock } from '../helpers.ts';

/**
 * The failed-login counters of a node without Redis are bounded in memory. They were bounded by
 * wiping every counter once the map was full, so an attacker who filled it (failed logins under
 * many made-up names) lifted every lock-out at once, including the one on the account under
 * attack. Now the oldest entries go first, one at a time.
 */
describe('login lock-outs under a flood of new keys', () => {
  it('keeps a recent lock-out when the counters overflow; only the oldest entries go', async () => {
    const clock = manualClock();
    const cap = 1_000;
    const limits = memoryLimits(clock.now, cap);
    const limiter = createFailureLimiter({ maxFailures: 5, windowMs: 15 * 60_000, clock, limits });
    try {
      for (let i = 0; i < cap / 2; i++) await limiter.recordFailure(`203.0.113.7|early-${i}`);
      for (let i = 0; i < 5; i++) await limiter.recordFailure('198.51.100.1|victim');
      expect(await limiter.retryAfterSeconds('198.51.100.1|victim')).toBeGreaterThan(0);
      // The flood: more made-up names than the map holds.
      const flood = (cap * 3) / 5;
      for (let i = 0; i < flood; i++) await limiter.recordFailure(`203.0.113.7|flood-${i}`);
      // 1,101 keys for 1,000 places: the 101 oldest went, all of them older than the victim's.
      expect(await limiter.retryAfterSeconds('198.51.100.1|victim')).toBeGreaterThan(0);
      expect(await limits.failures('login:203.0.113.7|early-0', clock.now())).toBeNull();
      expect(await limits.failures(`login:203.0.113.7|flood-${flood - 1}`, clock.now())).toMatchObject({ count: 1 });
    } finally {
      await limits.close();
    }
  });

  it('holds at most its cap of rate-limit buckets, pushing out the oldest', async () => {
    const clock = manualClock();
    const cap = 100;
    const limits = memoryLimits(clock.now, cap);
    const rule = { ratePerSecond: 0.001, burst: 2 };
    try {
      for (let i = 0; i < 2; i++) expect(await limits.take('first', rule)).toBe(true);
      expect(await limits.take('first', rule)).toBe(false);
      // Buckets that are not full carry information, so a sweep keeps them; past the cap the
      // oldest is dropped (the memory bound), here the drained 'first', which starts afresh.
      for (let i = 0; i < cap; i++) expect(await limits.take(`sender-${i}`, rule)).toBe(true);
      expect(await limits.take('sender-99', rule)).toBe(true);
      expect(await limits.take('sender-99', rule)).toBe(false);
      expect(await limits.take('first', rule)).toBe(true);
    } finally {
      await limits.close();
    }
  });
});
