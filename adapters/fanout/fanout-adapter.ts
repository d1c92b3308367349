import type { Adapter } from '../../broker/adapters/adapter.js';
import { UnrecoverableError } from '../../broker/transport/transport.js';

/** One recipient of a fanout: a mailbox and, optionally, the workflow ID its copy carries. */
interface FanoutRecipient {
  mailbox: string;
  workflow?: string;
}

const MAX_RECIPIENTS = 500;

function recipientsOf(settings: Readonly<Record<string, unknown>>): FanoutRecipient[] | string {
  const list = settings['recipients'];
  if (!Array.isArray(list) || list.length === 0) return 'settings.recipients must be a non-empty list';
  if (list.length > MAX_RECIPIENTS) return `settings.recipients has more than ${MAX_RECIPIENTS} entries`;
  const out: FanoutRecipient[] = [];
  for (const [i, item] of list.entries()) {
    const r = typeof item === 'string' ? { mailbox: item } : (item as Record<string, unknown>);
    if (typeof r !== 'object' || r === null || typeof r['mailbox'] !== 'string' || r['mailbox'] === '') {
      return `settings.recipients[${i}].mailbox must be a mailbox ID`;
    }
    if (r['workflow'] !== undefined && (typeof r['workflow'] !== 'string' || r['workflow'] === '' || r['workflow'].length > 300)) {
      return `settings.recipients[${i}].workflow must be a workflow ID of 1 to 300 characters`;
    }
    out.push({ mailbox: (r['mailbox'] as string).toUpperCase(), ...(r['workflow'] ? { workflow: r['workflow'] as string } : {}) });
  }
  return out;
}

/**
 * fanout: copies a message to a configured list of mailboxes (a recipient list), optionally with
 * a workflow ID per recipient. Copies share the stored payload, so a 20 GB file is not duplicated.
 */
export const fanoutAdapter: Adapter = {
  name: 'fanout',
  workflows: [],
  validateSettings(settings) {
    const r = recipientsOf(settings);
    return typeof r === 'string' ? r : null;
  },
  async handle(message, ctx) {
    const recipients = recipientsOf(ctx.settings);
    if (typeof recipients === 'string') throw new UnrecoverableError(recipients);
    for (const r of recipients) {
      const mailbox = ctx.lookupMailbox(r.mailbox);
      if (!mailbox || !mailbox.active) throw new UnrecoverableError(`fanout recipient ${r.mailbox} is not an active mailbox`);
    }
    for (const r of recipients) {
      ctx.emit({
        to: r.mailbox,
        workflowId: r.workflow ?? message.workflowId,
        subject: message.subject,
        localId: message.localId,
        fileName: message.fileName,
        contentType: message.mexContentType,
        payload: 'source',
      });
    }
    ctx.logger.info({ messageId: message.messageId, mailbox: message.sender, copies: recipients.length }, 'fanout');
  },
};
