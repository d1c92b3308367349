import type { FastifyInstance } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';
import { trackingV1, trackingV2 } from '../http/tracking-view.js';
import { authedMailbox, requireAuth, sendJson, type MailboxApiDeps } from '../server/api-context.js';

/** Tracking by message ID, and the deprecated by-local-ID form (v1 shape only). */
export function trackingRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  app.get('/messageexchange/:mailbox/outbox/tracking', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const { messageID } = request.query as { messageID?: string };
    if (!messageID) throw meshErrors.validation(['query', 'messageID'], 'field required', 'value_error.missing');
    if (messageID.length > 100) throw meshErrors.validation(['query', 'messageID'], 'ensure this value has at most 100 characters');
    const message = await deps.service.track(mailbox, messageID);
    const expiry = deps.service.expiryOf(message);
    if (request.meshVersion === 2) return sendJson(reply, 2, 200, trackingV2(message, expiry, deps.directory));
    return sendJson(reply, 1, 200, trackingV1(message, expiry, deps.directory));
  });

  app.get('/messageexchange/:mailbox/outbox/tracking/:localId', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const { localId } = request.params as { localId: string };
    if (localId.length > 300) throw meshErrors.validation(['path', 'local_id'], 'ensure this value has at most 300 characters');
    const matches = await deps.store.findBySenderLocalId(mailbox.mailboxId, localId);
    if (matches.length === 0) throw meshErrors.notFound('No message matches this local ID');
    if (matches.length > 1) throw meshErrors.ambiguousLocalId();
    const message = matches[0]!;
    return sendJson(reply, 1, 200, trackingV1(message, deps.service.expiryOf(message), deps.directory));
  });
}
