import type { FastifyInstance } from 'fastify';
import type { MailboxApiDeps } from '../server/api-context.js';

/**
 * Liveness: `/_ping` as the MESH clients call it, plus the health paths load balancers use; these
 * answer 200 while the process runs, touching no dependency. Readiness: `/readyz` (see readiness.ts).
 */
export function healthRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  const body = Buffer.from(JSON.stringify({ env: deps.environment, build_label: BUILD_LABEL, status: 'running', outcome: 'Yes' }));
  for (const url of ['/_ping', '/messageexchange/_ping', '/health', '/healthz']) {
    app.get(url, async (_request, reply) => reply.code(200).header('content-type', 'application/json').send(body));
  }
  const readiness = deps.readiness;
  if (!readiness) return;
  // Probes repeat every few seconds: log when the set of failing dependencies changes, not per probe.
  let lastFailing = '';
  app.get('/readyz', async (_request, reply) => {
    const report = await readiness.check();
    const failed = Object.entries(report.checks).filter(([, result]) => result !== 'ok');
    const failing = failed.map(([name]) => name).join(', ');
    if (failing !== lastFailing) {
      if (failing) deps.logger.warn({ checks: report.checks }, `not ready: ${failing} failing`);
      else deps.logger.info('dependencies reachable again: ready');
      lastFailing = failing;
    }
    if (report.ready) {
      return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ status: 'ready', checks: report.checks })));
    }
    const reason = report.reason ?? failed.map(([name, why]) => `${name}: ${why}`).join('; ');
    return reply
      .code(503)
      .header('content-type', 'application/json')
      .header('cache-control', 'no-store')
      .send(Buffer.from(JSON.stringify({ status: 'not ready', reason, checks: report.checks })));
  });
}

const BUILD_LABEL = `mesh-broker-${process.env.npm_package_version ?? 'dev'}`;
