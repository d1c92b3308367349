import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Directory } from '../../broker/directory/directory.js';
import type { MessageService } from '../../broker/messages/message-service.js';
import type { Metrics } from '../../broker/metrics/metrics.js';
import type { ObjectStore } from '../../broker/objects/object-store.js';
import type { MessageStore } from '../../broker/store/message-store.js';
import type { Authenticated, Authenticator } from '../auth/authenticator.js';
import { meshErrors, type ApiVersion } from '../errors/mesh-errors.js';
import { jsonContentType } from '../http/api-version.js';
import type { Readiness } from './readiness.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API version the client's Accept header asked for. */
    meshVersion: ApiVersion;
    /** Set by the auth pre-handler on authenticated routes. */
    meshAuth: Authenticated | null;
  }
}

/** Everything the mailbox routes need, passed in by the composition root. */
export interface MailboxApiDeps {
  service: MessageService;
  store: MessageStore;
  objects: ObjectStore;
  directory: Directory;
  authenticator: Authenticator;
  logger: Logger;
  limits: { maxRequestBytes: number; maxChunks: number; inboxMaxResultsDefault: number };
  environment: string;
  sandboxAdmin: boolean;
  /** Counts payload bytes served; null or absent when metrics are off. */
  metrics?: Metrics | null;
  /** Dependency checks for `/readyz`; without it `/readyz` is not served. */
  readiness?: Readiness;
}

export type MailboxParams = { mailbox: string };

/** Pre-handler: verifies the NHSMESH token against the mailbox in the path. */
export function requireAuth(deps: MailboxApiDeps) {
  return async (request: FastifyRequest): Promise<void> => {
    const { mailbox } = request.params as MailboxParams;
    request.meshAuth = await deps.authenticator.authenticate(request.headers.authorization, mailbox);
  };
}

/** The authenticated mailbox of a request that passed requireAuth. */
export function authedMailbox(request: FastifyRequest) {
  if (!request.meshAuth) throw meshErrors.forbidden('route reached without authentication');
  return request.meshAuth.mailbox;
}

/** Sends a JSON body with the Content-Type of the client's API version. */
export function sendJson(reply: FastifyReply, version: ApiVersion, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', jsonContentType(version)).send(Buffer.from(JSON.stringify(body)));
}

/** Sends an empty body (v2 acknowledge and handshake). */
export function sendEmpty(reply: FastifyReply, version: ApiVersion, status: number): FastifyReply {
  return reply.code(status).header('content-type', jsonContentType(version)).header('content-length', '0').send();
}
