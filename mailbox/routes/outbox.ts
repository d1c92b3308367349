import type { FastifyInstance } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';
import { checkHeaderShapes, header, parseChunkRange, parseContentEncoding, parseSendHeaders } from '../http/send-headers.js';
import { authedMailbox, requireAuth, sendJson, type MailboxApiDeps } from '../server/api-context.js';

type ChunkParams = { mailbox: string; messageId: string; chunk: string };

/** Send a message (or its first chunk), and send chunk n. Bodies stream to storage. */
export function outboxRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  app.post('/messageexchange/:mailbox/outbox', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const sender = authedMailbox(request);
    const input = parseSendHeaders(request.headers, sender.mailboxId, deps.limits.maxChunks);
    const recipient = await deps.service.resolveRecipient(sender, input.to, input.workflowId);
    declaredLengthWithinLimit(request.headers['content-length'], deps.limits.maxRequestBytes);
    const message = await deps.service.send(sender, recipient, input, request.raw);
    const body = request.meshVersion === 2 ? { message_id: message.messageId } : { messageID: message.messageId };
    return sendJson(reply, request.meshVersion, 202, body);
  });

  app.post('/messageexchange/:mailbox/outbox/:messageId/:chunk', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const sender = authedMailbox(request);
    const { messageId, chunk } = request.params as ChunkParams;
    checkHeaderShapes(request.headers);
    const range = parseChunkRange(header(request.headers, 'mex-chunk-range'), deps.limits.maxChunks, messageId);
    const chunkNo = /^\d{1,10}$/.test(chunk) ? Number(chunk) : NaN;
    if (!range) throw meshErrors.invalidChunkHeader('mex-Chunk-Range is required when sending a chunk', messageId);
    if (range.chunkNo !== chunkNo) throw meshErrors.invalidChunkHeader(`mex-Chunk-Range ${range.chunkNo}:${range.totalChunks} does not match chunk ${chunk} in the URL`, messageId);
    const encoding = parseContentEncoding(header(request.headers, 'content-encoding'));
    declaredLengthWithinLimit(request.headers['content-length'], deps.limits.maxRequestBytes);
    const message = await deps.service.sendChunk(sender, messageId, chunkNo, range.totalChunks, encoding, request.raw);
    const body = request.meshVersion === 2 ? { message_id: message.messageId } : { messageID: message.messageId };
    return sendJson(reply, request.meshVersion, 202, body);
  });
}

/** Refuses a body whose declared length is already over the limit, before reading any of it. */
function declaredLengthWithinLimit(contentLength: string | undefined, max: number): void {
  if (contentLength !== undefined && /^\d+$/.test(contentLength) && Number(contentLength) > max) {
    throw meshErrors.payloadTooLarge(max);
  }
}
