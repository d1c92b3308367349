import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { isBrokerError, unavailableDependency } from '../../broker/errors.js';
import { MeshHttpError, meshErrorFromBroker, meshErrors } from '../errors/mesh-errors.js';
import { apiVersionOf, jsonContentType } from '../http/api-version.js';
import { downloadRoutes } from '../routes/download.js';
import { handshakeRoutes } from '../routes/handshake.js';
import { healthRoutes } from '../routes/health.js';
import { inboxRoutes } from '../routes/inbox.js';
import { lookupRoutes } from '../routes/lookup.js';
import { metricsRoutes } from '../routes/metrics.js';
import { operatorAdminRoutes, type OperatorAdminDeps } from '../routes/operator-admin.js';
import { outboxRoutes } from '../routes/outbox.js';
import { sandboxAdminRoutes } from '../routes/sandbox-admin.js';
import { trackingRoutes } from '../routes/tracking.js';
import type { MailboxApiDeps } from './api-context.js';

/** TLS settings for the listener, already read from files. */
export interface HttpsOptions {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

const RETRYABLE = new Set([425, 429, 500, 502, 503, 504]);
/** How long a client is asked to wait after a 503 (urllib3, under mesh_client, honours Retry-After). */
const RETRY_AFTER_SECONDS = 2;

/** Optional parts of the app, by process role and configuration. */
export interface AppParts {
  /** Serve the MESH mailbox API (role `api`); without it only health answers. */
  mailboxApi: boolean;
  /** The operator admin API (parking lot), when MESH_ADMIN_TOKEN is set. */
  operatorAdmin: OperatorAdminDeps | null;
}

/** Builds the MESH API v2 HTTP application (not listening yet). */
export function buildMailboxApp(deps: MailboxApiDeps, https: HttpsOptions | null = null, parts: AppParts = { mailboxApi: true, operatorAdmin: null }): FastifyInstance {
  const options: FastifyServerOptions & { https?: HttpsOptions } = {
    loggerInstance: deps.logger,
    // One structured line per event is written by the handlers; fastify's per-request lines are noise.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Multi-gigabyte chunked transfers take as long as they take; idle sockets are still reaped.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  };
  if (https) options.https = { minVersion: 'TLSv1.2', ...https } as HttpsOptions;
  const app = Fastify(options) as unknown as FastifyInstance;

  app.decorateRequest('meshVersion', 1);
  app.decorateRequest('meshAuth', null);
  // Payloads are never parsed: handlers stream request.raw straight to storage.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.addHook('onRequest', async (request) => {
    request.meshVersion = apiVersionOf(request.headers.accept);
    // With an optional client certificate, no certificate is fine but an untrusted one is not.
    const socket = request.raw.socket as TLSSocket;
    if (https?.requestCert && !socket.authorized && Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0) {
      throw meshErrors.forbidden(`untrusted client certificate: ${String(socket.authorizationError)}`);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never request.url: IDs in URLs would make one series per message.
    deps.metrics?.httpRequest(request.method, request.is404 ? null : (request.routeOptions.url ?? null), reply.statusCode, reply.elapsedTime / 1000);
    if (request.meshAuth && RETRYABLE.has(reply.statusCode)) {
      await deps.authenticator.release(request.meshAuth).catch((err: unknown) => deps.logger.error({ err }, 'could not release nonce'));
    }
    deps.logger.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime, mailbox: request.meshAuth?.mailbox.mailboxId }, 'request');
  });

  app.setErrorHandler(async (error, request, reply) => {
    const meshError = toMeshError(error);
    const mailbox = request.meshAuth?.mailbox.mailboxId ?? (request.params as { mailbox?: string } | undefined)?.mailbox;
    const unavailable = meshError ? null : unavailableDependency(error);
    if (unavailable) {
      request.log.error({ dependency: unavailable, err: error, mailbox, url: request.url }, `${unavailable} unavailable`);
      if (request.method === 'POST' && !request.raw.readableEnded) discardBody(request.raw, reply, deps.limits.maxRequestBytes);
      const body = meshErrors.serviceUnavailable(unavailable).render(request.meshVersion);
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).header('content-type', jsonContentType(request.meshVersion)).send(Buffer.from(JSON.stringify(body)));
    }
    if (!meshError) {
      request.log.error({ err: error, mailbox, url: request.url }, 'request failed');
      return reply.code(500).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ detail: [{ event: 'ERROR', code: '500', msg: 'Internal server error' }] })));
    }
    request.log.warn({ status: meshError.status, messageId: meshError.messageId, mailbox, url: request.url, reason: meshError.reason }, 'request refused');
    if (request.method === 'POST' && !request.raw.readableEnded) discardBody(request.raw, reply, deps.limits.maxRequestBytes);
    const body = meshError.render(request.meshVersion);
    reply.code(meshError.status);
    if (body === null) return reply.header('content-length', '0').send();
    return reply.header('content-type', jsonContentType(request.meshVersion)).send(Buffer.from(JSON.stringify(body)));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body = meshErrors.notFound('Not Found').render(request.meshVersion);
    return reply.code(404).header('content-type', jsonContentType(request.meshVersion)).send(Buffer.from(JSON.stringify(body)));
  });

  healthRoutes(app, deps);
  // Before the role check: worker-only nodes have adapter and queue metrics worth scraping too.
  if (deps.metrics) metricsRoutes(app, deps.metrics);
  if (parts.operatorAdmin) operatorAdminRoutes(app, deps, parts.operatorAdmin);
  if (!parts.mailboxApi) return app;
  lookupRoutes(app, deps);
  if (deps.sandboxAdmin) sandboxAdminRoutes(app, deps);
  handshakeRoutes(app, deps);
  inboxRoutes(app, deps);
  downloadRoutes(app, deps);
  outboxRoutes(app, deps);
  trackingRoutes(app, deps);
  return app;
}

/**
 * A refused upload may still be streaming in. Read and drop it (up to the request limit) so the
 * client finishes writing and sees the error; past that, or if it declared more, close instead.
 */
function discardBody(body: IncomingMessage, reply: FastifyReply, limit: number): void {
  const declared = Number(body.headers['content-length'] ?? 0);
  if (declared > limit * 2) {
    reply.header('connection', 'close');
    return;
  }
  let dropped = 0;
  body.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limit * 2) body.destroy();
  });
  body.resume();
}

function toMeshError(error: unknown): MeshHttpError | null {
  if (error instanceof MeshHttpError) return error;
  if (isBrokerError(error)) return meshErrorFromBroker(error);
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return meshErrors.validation(['request'], (error as Error).message);
  }
  return null;
}
