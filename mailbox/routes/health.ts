import type { FastifyInstance } from 'fastify';
import type { MailboxApiDeps } from '../server/api-context.js';

/** Liveness: `/_ping` as the MESH clients call it, plus the health paths load balancers use. */
export function healthRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  const body = Buffer.from(JSON.stringify({ env: deps.environment, build_label: BUILD_LABEL, status: 'running', outcome: 'Yes' }));
  for (const url of ['/_ping', '/messageexchange/_ping', '/health', '/healthz']) {
    app.get(url, async (_request, reply) => reply.code(200).header('content-type', 'application/json').send(body));
  }
}

const BUILD_LABEL = `mesh-broker-${process.env.npm_package_version ?? 'dev'}`;
