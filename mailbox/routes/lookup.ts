import type { FastifyInstance } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';
import { sendJson, type MailboxApiDeps } from '../server/api-context.js';

/** Endpoint lookup and workflow search: public directory queries (no auth, as in MESH). */
export function lookupRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  app.get('/messageexchange/endpointlookup/:ods/:workflow', async (request, reply) => {
    const { ods, workflow } = request.params as { ods: string; workflow: string };
    if (!ods.trim() || !workflow.trim()) throw meshErrors.validation(['path'], 'ODS code and workflow ID are required');
    if (ods.length > 100 || workflow.length > 300) throw meshErrors.validation(['path'], 'ODS code or workflow ID too long');
    const found = deps.directory.lookupEndpoint(ods, workflow);
    if (request.meshVersion === 2) {
      return sendJson(reply, 2, 200, { results: found.map((m) => ({ mailbox_id: m.mailboxId, mailbox_name: m.mailboxName })) });
    }
    return sendJson(reply, 1, 200, {
      query_id: `${Date.now()}_${ods.toUpperCase()}`,
      results: found.map((m) => ({ address: m.mailboxId, description: m.mailboxName, endpoint_type: 'MESH' })),
    });
  });

  app.get('/messageexchange/workflowsearch/:workflow', async (request, reply) => {
    const { workflow } = request.params as { workflow: string };
    if (!workflow.trim()) throw meshErrors.validation(['path', 'workflow_id'], 'workflow ID is required');
    if (workflow.length > 300) throw meshErrors.validation(['path', 'workflow_id'], 'workflow ID too long');
    const found = deps.directory.workflowReceivers(workflow);
    // workflowsearch has only ever had the v2 shape.
    return sendJson(reply, 2, 200, { results: found.map((m) => ({ mailbox_id: m.mailboxId, mailbox_name: m.mailboxName })) });
  });
}
