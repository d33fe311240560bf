import { inspect } from 'node:util';
import { createLogLimiter, type LogLimiter } from './log-limiter.ts';

type Logger = Parameters<typeof createLogLimiter>[0];

/**
 * Some libraries (Hocuspocus, under `/ws/code`) write to `console.error` and `console.warn`
 * whenever a client sends a malformed message or a hook refuses it — stack traces on stderr,
 * once per message, at the client's will. While a server runs, those calls become log lines:
 * `warn`, the message without its stack, at most 30 a minute (then a count). A failure to store
 * a document is still logged at `error`.
 */
const routes: Array<{ limiter: LogLimiter }> = [];
let original: { error: typeof console.error; warn: typeof console.warn } | undefined;

const SERIOUS = /storeDocument|data loss/i;

function write(args: unknown[]): void {
  const route = routes.at(-1);
  if (!route) return;
  const text = args
    .map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : inspect(a, { depth: 2 })))
    .join(' ')
    .slice(0, 500);
  route.limiter.log(SERIOUS.test(text) ? 'error' : 'warn', 'library', { library: text }, 'library message');
}

/** Routes library console output to `log` until the returned function is called. */
export function routeLibraryConsole(log: Logger): () => void {
  const route = { limiter: createLogLimiter(log, { perMinute: 30, what: 'library messages' }) };
  routes.push(route);
  if (!original) {
    original = { error: console.error, warn: console.warn };
    console.error = (...args: unknown[]) => write(args);
    console.warn = (...args: unknown[]) => write(args);
  }
  return () => {
    const at = routes.indexOf(route);
    if (at === -1) return;
    routes.splice(at, 1);
    route.limiter.close();
    if (routes.length === 0 && original) {
      console.error = original.error;
      console.warn = original.warn;
      original = undefined;
    }
  };
}
