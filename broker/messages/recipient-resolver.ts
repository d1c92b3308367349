import type { Directory, Mailbox } from '../directory/directory.js';
import { brokerError } from '../errors.js';
import type { AddressResolver } from './address-resolver.js';

/**
 * Decides the recipient mailbox of a send, and whether this sender may use this workflow with it.
 * A `mex-To` that is not a mailbox ID goes to each AddressResolver in turn (ODS code, demographics).
 */
export async function resolveRecipient(
  directory: Directory,
  resolvers: readonly AddressResolver[],
  sender: Mailbox,
  to: string,
  workflowId: string,
  strictWorkflows: boolean,
): Promise<Mailbox> {
  const recipient = await findRecipient(directory, resolvers, sender, to, workflowId);
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

async function findRecipient(directory: Directory, resolvers: readonly AddressResolver[], sender: Mailbox, to: string, workflowId: string): Promise<Mailbox> {
  const direct = directory.getMailbox(to);
  if (direct) return direct;
  for (const resolver of resolvers) {
    const answer = await resolver.resolve(to, { workflowId, sender, directory });
    if (answer === null) continue;
    if ('mailbox' in answer) return answer.mailbox;
    throw brokerError('address_unresolved', answer.description, null, answer.error);
  }
  throw brokerError('unknown_recipient', `unregistered to address ${to}`);
}
