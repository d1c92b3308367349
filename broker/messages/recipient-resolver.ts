import type { Directory, Mailbox } from '../directory/directory.js';
import { brokerError } from '../errors.js';

/**
 * Decides the recipient mailbox of a send, and whether this sender may use this workflow with it.
 * A `mex-To` that is not a mailbox ID is tried as an ODS code against the workflow's receivers,
 * as MESH's endpoint lookup does (EPL-150 several, EPL-151 none).
 */
export function resolveRecipient(directory: Directory, sender: Mailbox, to: string, workflowId: string, strictWorkflows: boolean): Mailbox {
  const recipient = findRecipient(directory, to, workflowId);
  if (!recipient.active) throw brokerError('inactive_recipient', `recipient mailbox ${recipient.mailboxId} is not active`);
  const workflow = directory.getWorkflow(workflowId);
  if (workflow) {
    if (!workflow.senders.some((id) => id.toUpperCase() === sender.mailboxId)) {
      throw brokerError('sender_not_permitted', `mailbox ${sender.mailboxId} is not registered to send workflow ${workflowId}`);
    }
    if (!workflow.receivers.some((id) => id.toUpperCase() === recipient.mailboxId)) {
      throw brokerError('recipient_not_permitted', `mailbox ${recipient.mailboxId} is not registered to receive workflow ${workflowId}`);
    }
  } else if (strictWorkflows) {
    throw brokerError('unregistered_workflow', `workflow ${workflowId} is not registered`);
  }
  return recipient;
}

function findRecipient(directory: Directory, to: string, workflowId: string): Mailbox {
  const direct = directory.getMailbox(to);
  if (direct) return direct;
  const byOds = directory.lookupEndpoint(to, workflowId);
  if (byOds.length === 1) return byOds[0]!;
  if (byOds.length > 1) throw brokerError('ambiguous_recipient', `${byOds.length} mailboxes match ODS code ${to} for workflow ${workflowId}`);
  const odsKnown = directory.listMailboxes().some((m) => m.odsCode.toUpperCase() === to.toUpperCase());
  if (odsKnown) throw brokerError('no_recipient_for_workflow', `no mailbox with ODS code ${to} receives workflow ${workflowId}`);
  throw brokerError('unknown_recipient', `unregistered to address ${to}`);
}
