import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';
import { downloadHeaders } from '../http/message-headers.js';
import { header } from '../http/send-headers.js';
import { authedMailbox, requireAuth, type MailboxApiDeps } from '../server/api-context.js';

type DownloadParams = { mailbox: string; messageId: string; chunk?: string };

/** Whether Accept-Encoding allows gzip (and does not refuse it with q=0). */
export function acceptsGzip(value: string | undefined): boolean {
  if (!value) return false;
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function chunkNumber(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (!/^\d{1,10}$/.test(raw)) throw meshErrors.notFound('Chunk does not exist');
  return Number(raw);
}

/** Download of a message (chunk 1) and of chunk n, and HEAD for headers only. */
export function downloadRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  const download = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const mailbox = authedMailbox(request);
    const params = request.params as DownloadParams;
    const chunkNo = chunkNumber(params.chunk);
    const { message, chunk } = await deps.service.openForRecipient(mailbox, params.messageId, chunkNo);
    const headers = downloadHeaders(message, chunk, chunkNo, request.meshVersion, deps.directory);
    const status = chunkNo < message.totalChunks ? 206 : 200;
    reply.code(status).headers(headers);
    if (!chunk) return reply.header('content-length', '0').send();
    const body = await deps.service.openChunk(chunk);
    deps.logger.info({ messageId: message.messageId, mailbox: mailbox.mailboxId, chunk: chunkNo, size: chunk.size }, 'chunk downloaded');
    // 'finish' = the whole body was handed to the OS; an aborted download never counts.
    if (deps.metrics) reply.raw.once('finish', () => deps.metrics?.payloadSent(message.workflowId, chunk.size));
    if (message.contentEncoding === 'gzip') {
      if (acceptsGzip(header(request.headers, 'accept-encoding'))) {
        return reply.header('content-encoding', 'gzip').header('content-length', String(chunk.size)).send(body);
      }
      // The client cannot take gzip: decompress on the way out (streamed, length unknown).
      const gunzip = createGunzip();
      body.on('error', (err) => gunzip.destroy(err));
      return reply.send(body.pipe(gunzip));
    }
    return reply.header('content-length', String(chunk.size)).send(body);
  };

  app.get('/messageexchange/:mailbox/inbox/:messageId', { preHandler: requireAuth(deps) }, download);
  app.get('/messageexchange/:mailbox/inbox/:messageId/:chunk', { preHandler: requireAuth(deps) }, download);

  app.head('/messageexchange/:mailbox/inbox/:messageId', { preHandler: requireAuth(deps) }, async (request, reply) => {
    const mailbox = authedMailbox(request);
    const { messageId } = request.params as DownloadParams;
    const { message, chunk } = await deps.service.peek(mailbox, messageId);
    const headers = downloadHeaders(message, chunk, 1, request.meshVersion, deps.directory);
    if (message.contentEncoding === 'gzip') headers['Content-Encoding'] = 'gzip';
    return reply
      .code(200)
      .headers(headers)
      .header('content-length', String(chunk?.size ?? 0))
      .send();
  });
}
