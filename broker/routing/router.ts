import type { MessageRecord } from '../message/model.js';
import type { OutboxEntry } from '../store/message-store.js';
import type { Envelope } from '../transport/transport.js';
import { DELIVER, type RouteTarget, type Routes } from './routes.js';

type Routable = Pick<MessageRecord, 'messageId' | 'workflowId' | 'sender' | 'recipient'>;

/** Decides each message's target from the routes: the recipient's inbox, or an adapter's queue. */
export class Router {
  constructor(private readonly routes: Routes) {}

  /**
   * The outbox entry for a message bound for an adapter, or null to deliver it to the inbox.
   * An adapter's output never goes back to the adapter that made it (a fanout copy on the same
   * workflow would otherwise loop): rules naming that adapter are skipped for it.
   */
  outboxFor(message: Routable, origin: { traceId: string; hops: number; adapter: string } | null = null): OutboxEntry | null {
    const target = this.targetFor(message, origin?.adapter ?? null);
    if (target.kind === 'deliver') return null;
    const envelope: Envelope = {
      messageId: message.messageId,
      workflowId: message.workflowId,
      adapter: target.adapter,
      sender: message.sender,
      recipient: message.recipient,
      traceId: origin?.traceId ?? message.messageId,
      hops: origin ? origin.hops + 1 : 0,
      ...(origin ? { producedBy: origin.adapter } : {}),
    };
    return { messageId: message.messageId, adapter: target.adapter, envelope };
  }

  /** The settings of the rule that sends this message to `adapter`, or null if no rule does now. */
  settingsFor(message: Routable, adapter: string, producedBy: string | null = null): Record<string, unknown> | null {
    const target = this.targetFor(message, producedBy);
    return target.kind === 'adapter' && target.adapter === adapter ? target.settings : null;
  }

  private targetFor(message: Routable, skipAdapter: string | null): RouteTarget {
    if (skipAdapter === null) return this.routes.match({ workflowId: message.workflowId, sender: message.sender, recipient: message.recipient }).target;
    for (const rule of this.routes.rules) {
      if (rule.target.kind === 'adapter' && rule.target.adapter === skipAdapter) continue;
      if (!rule.workflow.test(message.workflowId)) continue;
      if (rule.sender && !rule.sender.test(message.sender)) continue;
      if (rule.recipient && !rule.recipient.test(message.recipient)) continue;
      return rule.target;
    }
    return DELIVER;
  }

  /** Adapters some rule routes to: the queues to declare and consume. */
  adapters(): string[] {
    return this.routes.adapters();
  }
}
