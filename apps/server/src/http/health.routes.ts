import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Bus } from '../bus/bus.ts';
import type { Db } from '../store/db.ts';
import { ping } from '../store/db.ts';

const Health = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.string()).optional() })
  .meta({ examples: [{ status: 'ok', checks: { database: 'ok' } }] });

export function healthRoutes(app: FastifyInstance, { db, bus }: { db: Db; bus: Bus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

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
      const [database, busCheck] = await Promise.allSettled([ping(db), bus.check()]);
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
