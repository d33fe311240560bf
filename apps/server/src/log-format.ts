import type { AddressInfo } from 'node:net';
import pinoPretty from 'pino-pretty';
import type { Config } from './config.ts';

/** `auto` means readable lines when stdout is a terminal; JSON lines anywhere else. */
export function usePrettyLogs(format: Config['logFormat'], isTTY = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY);
}

/**
 * Readable log lines for a person at a terminal: time, level, message, and the fields that
 * matter, without the pid/hostname noise. Synchronous, in this thread (no transport worker), so
 * nothing is lost when the process exits.
 */
export function prettyLogStream() {
  return pinoPretty({
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId',
    singleLine: true,
    sync: true,
  });
}

/** The address a person can open: wildcard and loopback hosts read as localhost. */
export function publicUrl(address: AddressInfo | string | null, host: string): string {
  if (address === null || typeof address === 'string') return `http://${host}`;
  const loopbackOrAny = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host);
  const shown = loopbackOrAny ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${address.port}`;
}

/** The one line `./tandem start` ends with, so a newcomer knows where to go next. */
export function runningLine(url: string): string {
  return `Tandem is running at ${url} (API docs: /docs)`;
}
