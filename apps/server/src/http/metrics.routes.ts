import type { FastifyInstance } from 'fastify';
import { forbidden, unauthorized } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { isLoopbackCaller } from './auth-hook.ts';

/**
 * Prometheus scrape endpoint. Metrics reveal traffic patterns: with METRICS_TOKEN set it wants
 * `Authorization: Bearer <token>`; without, it answers only this machine — a direct loopback
 * caller, not a request a local proxy forwarded (X-Forwarded-For or Forwarded set).
 */
export function metricsRoutes(
  app: FastifyInstance,
  options: { metrics: Metrics; token: string | undefined; gauges: () => { connections: number; rooms: number } },
): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      throw unauthorized('Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.');
    }
    if (!options.token && !isLoopbackCaller(request)) {
      throw forbidden('Metrics are served to this machine only. Set METRICS_TOKEN to scrape them from elsewhere.');
    }
    const { connections, rooms } = options.gauges();
    options.metrics.connections.set(connections);
    options.metrics.activeRooms.set(rooms);
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
