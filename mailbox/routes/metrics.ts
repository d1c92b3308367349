import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../broker/metrics/metrics.js';

/**
 * `GET /metrics` in the Prometheus text format, on meshd's main port.
 *
 * Unauthenticated, as Prometheus endpoints conventionally are: a scraper has no MESH mailbox
 * credentials. Any Authorization header (e.g. a scraper configured with MESH_ADMIN_TOKEN as its
 * bearer token) is accepted and ignored rather than checked: optional authentication protects
 * nothing, since the same request without the header succeeds. Labels never name messages or
 * mailboxes, but volumes per workflow are still operational data, so operators should restrict
 * /metrics at the network (load balancer rule, or not routing the path publicly), or turn it off
 * with `metrics: false` in the config file.
 */
export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.render();
    return reply.code(200).header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
  });
}
