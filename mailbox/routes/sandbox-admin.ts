import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageRecord, MessageStatus } from '../../broker/message/model.js';
import { meshErrors } from '../errors/mesh-errors.js';
import { readJsonBody, stringField } from '../http/json-body.js';
import { isoSeconds } from '../http/time-format.js';
import type { MailboxApiDeps } from '../server/api-context.js';

const ALL_STATUSES: MessageStatus[] = ['uploading', 'accepted', 'acknowledged', 'undeliverable', 'error', 'expired', 'purged'];

/**
 * mesh-sandbox's admin API, so CI suites written against the sandbox can drive mesh-broker.
 * Unauthenticated by design (as in the sandbox): only registered when --sandbox-admin is given.
 */
export function sandboxAdminRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  const reset = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { mailbox } = request.params as { mailbox?: string };
    if (mailbox && !deps.directory.getMailbox(mailbox)) throw meshErrors.notFound(`mailbox ${mailbox} does not exist`);
    const keys = await deps.store.reset(mailbox?.toUpperCase());
    await Promise.all(keys.map((k) => deps.objects.delete(k).catch(() => undefined)));
    deps.logger.warn({ mailbox: mailbox ?? '*', deletedObjects: keys.length }, 'sandbox admin reset');
    return reply.code(200).send();
  };
  for (const prefix of ['/admin', '/messageexchange/admin']) {
    app.delete(`${prefix}/reset`, reset);
    app.delete(`${prefix}/reset/:mailbox`, reset);
  }

  app.post('/messageexchange/admin/report', async (request, reply) => {
    const body = await readJsonBody(request);
    const mailboxId = stringField(body, 'mailbox_id', { required: true, max: 100 })!;
    const recipient = deps.directory.getMailbox(mailboxId);
    if (!recipient) throw meshErrors.notFound(`mailbox ${mailboxId} does not exist`);
    const status = stringField(body, 'status', { max: 20 }) ?? 'undeliverable';
    if (status !== 'undeliverable' && status !== 'error') throw meshErrors.validation(['body', 'status'], 'status must be undeliverable or error');
    const report = await deps.service.createReport({
      recipient,
      workflowId: stringField(body, 'workflow_id', { required: true, max: 300 })!,
      code: stringField(body, 'code', { required: true, max: 20 })!,
      event: 'SEND',
      description: stringField(body, 'description', { required: true, max: 1000 })!,
      subject: stringField(body, 'subject', { max: 500 }),
      localId: stringField(body, 'local_id', { max: 300 }),
      fileName: stringField(body, 'file_name', { max: 300 }),
      linkedMessageId: stringField(body, 'linked_message_id', { max: 100 }),
    });
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(adminMessageView(report))));
  });

  app.post('/admin/message/:messageId/event', async (request, reply) => {
    const { messageId } = request.params as { messageId: string };
    const body = await readJsonBody(request);
    const status = stringField(body, 'status', { required: true, max: 20 }) as MessageStatus;
    if (!ALL_STATUSES.includes(status)) throw meshErrors.validation(['body', 'status'], `status must be one of ${ALL_STATUSES.join(', ')}`);
    const updated = await deps.store.transition(messageId, ALL_STATUSES, status, {
      status,
      event: stringField(body, 'event', { max: 50 }) ?? status.toUpperCase(),
      code: stringField(body, 'code', { max: 20 }),
      description: stringField(body, 'description', { max: 1000 }),
      linkedMessageId: stringField(body, 'linked_message_id', { max: 100 }),
    });
    if (!updated) throw meshErrors.notFound('Message does not exist');
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(adminMessageView(updated))));
  });

  const getMailbox = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { mailbox } = request.params as { mailbox: string };
    const m = deps.directory.getMailbox(mailbox);
    if (!m) throw meshErrors.notFound(`mailbox ${mailbox} does not exist`);
    const inboxCount = await deps.store.countInbox(m.mailboxId);
    return reply.code(200).header('content-type', 'application/json').send(
      JSON.stringify({
        mailbox_id: m.mailboxId,
        mailbox_name: m.mailboxName,
        billing_entity: m.billingEntity,
        ods_code: m.odsCode,
        org_code: m.orgCode,
        org_name: m.orgName,
        active: m.active,
        inbox_count: inboxCount,
      }),
    );
  };
  app.get('/admin/mailbox/:mailbox', getMailbox);
  app.get('/messageexchange/mailbox/:mailbox', getMailbox);

  app.get('/admin/message/:messageId', async (request, reply) => {
    const { messageId } = request.params as { messageId: string };
    const message = await deps.store.getMessage(messageId);
    if (!message) throw meshErrors.notFound('Message does not exist');
    const history = await deps.store.listEvents(messageId);
    const view = {
      ...adminMessageView(message),
      // Newest first, as mesh-sandbox keeps them.
      events: history.reverse().map((e) => ({
        status: e.status,
        code: e.code,
        event: e.event,
        description: e.description,
        linked_message_id: e.linkedMessageId,
        timestamp: isoSeconds(e.at),
      })),
    };
    return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(view)));
  });
}

function adminMessageView(m: MessageRecord): Record<string, unknown> {
  return {
    message_id: m.messageId,
    message_type: m.messageType,
    workflow_id: m.workflowId,
    sender: m.sender,
    recipient: m.recipient,
    status: m.status,
    total_chunks: m.totalChunks,
    file_size: m.fileSize,
    created_timestamp: isoSeconds(m.createdAt),
    metadata: {
      subject: m.subject,
      content_type: m.mexContentType,
      content_encoding: m.contentEncoding,
      file_name: m.fileName,
      local_id: m.localId,
      partner_id: m.partnerId,
      checksum: m.checksum,
      encrypted: m.encrypted,
      compressed: m.compressed,
    },
    linked_message_id: m.linkedMessageId,
  };
}
