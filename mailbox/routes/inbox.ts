import type { FastifyInstance } from 'fastify';
import type { WorkflowFilter } from '../../broker/store/message-store.js';
import { parseWorkflowFilter } from '../../broker/store/workflow-filter.js';
import { meshErrors } from '../errors/mesh-errors.js';
import { authedMailbox, requireAuth, sendEmpty, sendJson, type MailboxApiDeps } from '../server/api-context.js';

type InboxQuery = { max_results?: string; continue_from?: string; workflow_filter?: string };

const V1_MAX_RESULTS = 500;

function parseMaxResults(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 10 && n <= 5000)) throw meshErrors.validation(['query', 'max_results'], 'max_results must be an integer from 10 to 5000');
  return n;
}

function parseFilter(raw: string | undefined): WorkflowFilter | null {
  if (raw === undefined) return null;
  if (raw.length < 2 || raw.length > 255) throw meshErrors.validation(['query', 'workflow_filter'], 'workflow_filter must be 2 to 255 characters');
  try {
    return parseWorkflowFilter(raw);
  } catch {
    throw meshErrors.validation(['query', 'workflow_filter'], 'workflow_filter is not a valid filter');
  }
}

/** Inbox listing (paged, filtered), count, and acknowledge. */
export function inboxRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  app.get('/messageexchange/:mailbox/inbox', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const q = request.query as InboxQuery;
    const version = request.meshVersion;
    let limit = parseMaxResults(q.max_results, deps.limits.inboxMaxResultsDefault);
    if (version === 1) limit = Math.min(limit, V1_MAX_RESULTS);
    const after = q.continue_from;
    if (after !== undefined && (after.length < 24 || after.length > 1000)) {
      throw meshErrors.validation(['query', 'continue_from'], 'continue_from must be 24 to 1000 characters');
    }
    const workflowFilter = parseFilter(q.workflow_filter);
    const page = await deps.store.listInbox({ recipient: mailbox.mailboxId, limit, afterMessageId: after ?? null, workflowFilter });
    if (version === 1) return sendJson(reply, 1, 200, { messages: page.messageIds });
    const base = `/messageexchange/${mailbox.mailboxId}/inbox`;
    const selfQuery = new URLSearchParams();
    if (q.max_results !== undefined) selfQuery.set('max_results', q.max_results);
    if (after !== undefined) selfQuery.set('continue_from', after);
    if (q.workflow_filter !== undefined) selfQuery.set('workflow_filter', q.workflow_filter);
    const links: Record<string, string> = { self: selfQuery.size > 0 ? `${base}?${selfQuery}` : base };
    const last = page.messageIds[page.messageIds.length - 1];
    if (page.hasMore && last) {
      // Host-relative, as real MESH: clients prepend their own base URL.
      const next = new URLSearchParams({ max_results: String(limit), continue_from: last });
      if (q.workflow_filter !== undefined) next.set('workflow_filter', q.workflow_filter);
      links.next = `${base}?${next}`;
    }
    const approx = await deps.store.countInbox(mailbox.mailboxId, workflowFilter);
    return sendJson(reply, 2, 200, { messages: page.messageIds, links, approx_inbox_count: approx });
  });

  app.get('/messageexchange/:mailbox/count', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const count = await deps.store.countInbox(mailbox.mailboxId);
    if (request.meshVersion === 2) return sendJson(reply, 2, 200, { count });
    return sendJson(reply, 1, 200, { count, internalID: `${Date.now()}_${mailbox.mailboxId}`, allResultsIncluded: true });
  });

  app.put('/messageexchange/:mailbox/inbox/:messageId/status/acknowledged', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const { messageId } = request.params as { messageId: string };
    const message = await deps.service.acknowledge(mailbox, messageId);
    if (request.meshVersion === 2) return sendEmpty(reply, 2, 200);
    return sendJson(reply, 1, 200, { messageId: message.messageId });
  });
}
