import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Limits } from '../limits/limits.ts';
import type { Db } from '../store/db.ts';
import { accountsService } from './accounts.service.ts';
import { e2eService } from './e2e.service.ts';
import { createFailureLimiter } from './failure-limiter.ts';
import { messagesService } from './messages.service.ts';
import { type PresenceView, roomsService } from './rooms.service.ts';
import { uploadsService } from './uploads.service.ts';

export type Services = ReturnType<typeof createServices>;

/** Wires the services to their dependencies; nothing here knows about HTTP or sockets. */
export function createServices({
  db,
  clock,
  config,
  presence,
  limits,
}: {
  db: Db;
  clock: Clock;
  config: Config;
  presence: PresenceView;
  /** Where the failed-login counters live (Redis with several nodes); this process's memory without. */
  limits?: Limits;
}) {
  const loginFailures = createFailureLimiter({
    maxFailures: config.loginMaxFailures,
    windowMs: config.loginFailureWindowSeconds * 1000,
    clock,
    ...(limits ? { limits } : {}),
  });
  const accounts = accountsService({ db, clock, sessionTtlSeconds: config.sessionTtlSeconds, loginFailures });
  const rooms = roomsService({ db, clock, presence });
  // SQLite has one connection: one commit at a time. PostgreSQL overlaps a few, within the pool.
  const concurrentCommits =
    config.database.kind === 'postgres'
      ? Math.max(1, Math.min(4, Math.floor((config.database.poolSize ?? 10) / 2)))
      : 1;
  const messages = messagesService({ db, clock, rooms, concurrentCommits, filesOrigin: config.uploads.origin });
  const uploads = uploadsService({ db, clock, uploadDir: config.uploadDir, limits: config.uploads });
  const e2e = e2eService({ db, clock, rooms, ...(limits ? { limits } : {}) });
  return { accounts, rooms, messages, uploads, e2e };
}
