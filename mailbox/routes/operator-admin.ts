import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OutboxPublisher } from '../../broker/routing/outbox-publisher.js';
import type { Housekeeping } from '../../broker/jobs/housekeeping.js';
import { messageStatistics } from '../../broker/jobs/housekeeping-jobs.js';
import { meshErrors } from '../errors/mesh-errors.js';
import { isoSeconds } from '../http/time-format.js';
import type { MailboxApiDeps } from '../server/api-context.js';

/** What the operator API needs beyond the mailbox API. */
export interface OperatorAdminDeps {
  adminToken: string;
  publisher: OutboxPublisher | null;
  /** The scheduled jobs, for GET /admin/jobs; absent, that route lists none. */
  housekeeping?: Housekeeping | null;
  /** Clock for the statistics window (default Date.now). */
  now?: () => number;
}

const MAX_LIST = 1000;
/** Longest window GET /admin/stats counts over (a grouped scan of that many hours of messages). */
const MAX_STATS_HOURS = 24 * 31;

function requireToken(expected: string) {
  const want = Buffer.from(`Bearer ${expected}`);
  return async (request: FastifyRequest): Promise<void> => {
    const got = Buffer.from(request.headers.authorization ?? '');
    // Separate from mailbox auth: operators are not mailboxes, and this API can replay or discard anyone's messages.
    if (got.length !== want.length || !timingSafeEqual(got, want)) throw meshErrors.forbidden('bad or missing admin token');
  };
}

/** The parking lot for operators: list, replay and discard parked messages (Bearer MESH_ADMIN_TOKEN). */
export function operatorAdminRoutes(app: FastifyInstance, deps: MailboxApiDeps, admin: OperatorAdminDeps): void {
  const preHandler = requireToken(admin.adminToken);

  app.get('/admin/parked', { preHandler }, async (request, reply) => {
    const { limit } = request.query as { limit?: string };
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIST) throw meshErrors.validation(['query', 'limit'], `limit must be an integer from 1 to ${MAX_LIST}`);
    const parked = await deps.store.listParked(n);
    const body = parked.map((p) => ({
      message_id: p.messageId,
      adapter: p.adapter,
      workflow_id: p.workflowId,
      sender: p.sender,
      recipient: p.recipient,
      reason: p.reason,
      attempts: p.attempts,
      parked_at: isoSeconds(p.parkedAt),
    }));
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ parked: body })));
  });

  app.get('/admin/stats', { preHandler }, async (request, reply) => {
    const { hours } = request.query as { hours?: string };
    const h = hours === undefined ? 24 : Number(hours);
    if (!Number.isInteger(h) || h < 1 || h > MAX_STATS_HOURS) throw meshErrors.validation(['query', 'hours'], `hours must be an integer from 1 to ${MAX_STATS_HOURS}`);
    const s = await messageStatistics({ store: deps.store, now: admin.now ?? Date.now }, h * 3_600_000);
    const body = { since: isoSeconds(s.since), until: isoSeconds(s.until), total: s.total, by_status: s.byStatus, by_workflow: s.byWorkflow };
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
  });

  app.get('/admin/jobs', { preHandler }, async (_request, reply) => {
    const jobs = (admin.housekeeping?.status() ?? []).map((j) => ({
      name: j.name,
      schedule: j.schedule,
      leader: j.leader,
      running: j.running,
      last_run_at: j.lastRunAt === null ? null : isoSeconds(j.lastRunAt),
      last_outcome: j.lastOutcome,
      last_error: j.lastError,
      next_run_at: j.nextRunAt === null ? null : isoSeconds(j.nextRunAt),
    }));
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ jobs })));
  });

  app.post('/admin/parked/:messageId/replay', { preHandler }, async (request, reply) => {
    const { messageId } = request.params as { messageId: string };
    const entry = await deps.store.unpark(messageId);
    if (!entry) throw meshErrors.notFound(`message ${messageId} is not parked`);
    admin.publisher?.publishNow([entry]);
    deps.logger.warn({ messageId, adapter: entry.adapter }, 'parked message replayed by operator');
    return reply.code(202).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ message_id: messageId, replayed: true })));
  });

  app.delete('/admin/parked/:messageId', { preHandler }, async (request, reply) => {
    const { messageId } = request.params as { messageId: string };
    const discarded = await deps.store.discardParked(messageId, {
      status: 'error',
      event: 'DISCARDED',
      code: '16',
      description: 'Discarded by an operator from the parking lot',
      linkedMessageId: null,
    });
    if (!discarded) throw meshErrors.notFound(`message ${messageId} is not parked`);
    deps.logger.warn({ messageId, mailbox: discarded.sender }, 'parked message discarded by operator');
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify({ message_id: messageId, status: discarded.status })));
  });
}
