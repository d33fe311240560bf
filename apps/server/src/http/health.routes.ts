import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Bus } from '../bus/bus.ts';

const Health = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.string()).optional() })
  .meta({ examples: [{ status: 'ok', checks: { database: 'ok' } }] });

/**
 * Longest /readyz waits for the database or the bus. A check that does not answer by then counts
 * as unreachable: a load balancer's probe gets its 503 at once instead of hanging (a pool waiting
 * for a connection that never comes, ioredis queueing the PING until Redis is back).
 */
export const READINESS_TIMEOUT_MS = 800;

/**
 * Runs `check` at most once at a time: a probe that arrives while the previous one's check is
 * still waiting (a hung database) waits on that same check instead of queueing one more.
 */
function singleFlight(check: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= check().finally(() => {
      running = null;
    });
    return running;
  };
}

function within(ms: number, check: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/** `pingDatabase` is the store's round trip, handed in by app.ts: http/ does not import the store. */
export function healthRoutes(
  app: FastifyInstance,
  { pingDatabase, bus }: { pingDatabase: () => Promise<void>; bus: Bus },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const checkDatabase = singleFlight(pingDatabase);
  const checkBus = singleFlight(() => bus.check());

  r.get(
    '/healthz',
    {
      // Probed every few seconds by load balancers: only problems are worth a log line.
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  r.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database and the bus answer',
        description: 'A load balancer sends traffic only to nodes answering 200.',
        response: { 200: Health, 503: Health },
      },
    },
    async (request, reply) => {
      const [database, busCheck] = await Promise.allSettled([
        within(READINESS_TIMEOUT_MS, checkDatabase()),
        within(READINESS_TIMEOUT_MS, checkBus()),
      ]);
      const checks = {
        database: database.status === 'fulfilled' ? 'ok' : 'unreachable',
        bus: busCheck.status === 'fulfilled' ? `ok (${bus.kind})` : `unreachable (${bus.kind})`,
      };
      if (database.status === 'fulfilled' && busCheck.status === 'fulfilled') return { status: 'ok' as const, checks };
      request.log.warn({ checks }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable' as const, checks });
    },
  );
}
