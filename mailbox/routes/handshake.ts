import type { FastifyInstance } from 'fastify';
import { meshErrors } from '../errors/mesh-errors.js';
import { header } from '../http/send-headers.js';
import { authedMailbox, requireAuth, sendEmpty, sendJson, type MailboxApiDeps } from '../server/api-context.js';

const REQUIRED = ['mex-clientversion', 'mex-osname', 'mex-osversion'];

/** Handshake (validate mailbox): POST as the clients do, GET as the specification's curl does. */
export function handshakeRoutes(app: FastifyInstance, deps: MailboxApiDeps): void {
  for (const method of ['POST', 'GET'] as const) {
    app.route({
      method,
      url: '/messageexchange/:mailbox',
      preHandler: requireAuth(deps),
      handler: async (request, reply) => {
        const mailbox = authedMailbox(request);
        for (const name of REQUIRED) {
          if (!header(request.headers, name)) throw meshErrors.missingHeader(name);
        }
        deps.logger.info(
          {
            mailbox: mailbox.mailboxId,
            clientVersion: header(request.headers, 'mex-clientversion'),
            os: header(request.headers, 'mex-osname'),
            osVersion: header(request.headers, 'mex-osversion'),
          },
          'handshake',
        );
        if (request.meshVersion === 2) return sendEmpty(reply, 2, 200);
        return sendJson(reply, 1, 200, { mailboxId: mailbox.mailboxId });
      },
    });
  }
}
