/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, base·2ⁿ)].
 * Spreading retries at random keeps a restarted server from being hit by every client at once.
 */
export function backoffDelay(
  attempt: number,
  options: { baseMs: number; maxMs: number },
  random = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
