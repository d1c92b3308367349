import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OutboxPublisher } from '../../broker/routing/outbox-publisher.js';
import { meshErrors } from '../errors/mesh-errors.js';
import { isoSeconds } from '../http/time-format.js';
import type { MailboxApiDeps } from '../server/api-context.js';

/** What the operator API needs beyond the mailbox API. */
export interface OperatorAdminDeps {
  adminToken: string;
  publisher: OutboxPublisher | null;
}

const MAX_LIST = 1000;

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
