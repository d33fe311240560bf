import type { FastifyInstance } from 'fastify';
import { unauthorized } from '../errors.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Prometheus scrape endpoint. With METRICS_TOKEN set it wants `Authorization: Bearer <token>`
 * (metrics reveal traffic patterns); without, it is open, for a scraper on a private network.
 */
export function metricsRoutes(
  app: FastifyInstance,
  options: { metrics: Metrics; token: string | undefined; gauges: () => { connections: number; rooms: number } },
): void {
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      throw unauthorized('Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.');
    }
    const { connections, rooms } = options.gauges();
    options.metrics.connections.set(connections);
    options.metrics.activeRooms.set(rooms);
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
