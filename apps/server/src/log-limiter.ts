/**
 * Log lines caused by what a client sends — its mistakes, or a failure it can trigger at will —
 * are capped per source: at most `perMinute` lines a minute for one key (an address, a user), then
 * silence, and one summary line with the count when the minute is over. A client that sends junk
 * in a loop cannot fill the disk or drown the lines that matter.
 */
type Level = 'info' | 'warn' | 'error';
type Logger = Record<Level, (obj: object, msg: string) => void>;

export type LogLimiter = {
  /** Logs the line unless `key` has used up its minute; returns whether it was written. */
  log(level: Level, key: string, obj: object, msg: string): boolean;
  /** Writes the summaries of the minutes that are over (also done every minute by itself). */
  flush(): void;
  close(): void;
};

const WINDOW_MS = 60_000;
/** Keys remembered at most: past it the oldest are summarised and forgotten. */
const MAX_KEYS = 10_000;

export function createLogLimiter(
  log: Logger,
  options: { perMinute: number; what: string; now?: () => number },
): LogLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number; suppressed: number; level: Level }>();

  const summarise = (key: string, w: { suppressed: number; level: Level }) => {
    if (w.suppressed === 0) return;
    log[w.level === 'error' ? 'warn' : w.level](
      { source: key, suppressed: w.suppressed },
      `${w.suppressed} more ${options.what} from ${key} in the last minute were not logged`,
    );
  };

  const flush = () => {
    const t = now();
    for (const [key, w] of windows) {
      if (t - w.start < WINDOW_MS) continue;
      summarise(key, w);
      windows.delete(key);
    }
  };
  const timer = setInterval(flush, WINDOW_MS);
  timer.unref();

  return {
    log(level, key, obj, msg) {
      const t = now();
      let w = windows.get(key);
      if (w && t - w.start >= WINDOW_MS) {
        summarise(key, w);
        windows.delete(key);
        w = undefined;
      }
      if (!w) {
        if (windows.size >= MAX_KEYS) {
          const [oldest, first] = windows.entries().next().value as [string, { suppressed: number; level: Level }];
          summarise(oldest, first);
          windows.delete(oldest);
        }
        w = { start: t, count: 0, suppressed: 0, level };
        windows.set(key, w);
      }
      if (w.count >= options.perMinute) {
        w.suppressed += 1;
        return false;
      }
      w.count += 1;
      log[level](obj, msg);
      return true;
    },
    flush,
    close() {
      clearInterval(timer);
      for (const [key, w] of windows) summarise(key, w);
      windows.clear();
    },
  };
}
