/** Mailboxes and workflows: who exists, who may send and receive what. */

export interface Mailbox {
  /** Upper-case mailbox ID, e.g. X26ABC1. */
  mailboxId: string;
  mailboxName: string;
  odsCode: string;
  orgCode: string;
  orgName: string;
  billingEntity: string;
  password: string;
  active: boolean;
}

export interface Workflow {
  workflowId: string;
  /** Mailbox IDs allowed to send on this workflow. */
  senders: string[];
  /** Mailbox IDs allowed to receive on this workflow. */
  receivers: string[];
}

/** Read-only view of the directory, loaded once at start-up. */
export class Directory {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly workflows = new Map<string, Workflow>();
  private readonly receiversByOds = new Map<string, Map<string, Mailbox[]>>();

  constructor(mailboxes: Iterable<Mailbox>, workflows: Iterable<Workflow>) {
    for (const m of mailboxes) this.mailboxes.set(m.mailboxId.toUpperCase(), m);
    for (const w of workflows) this.workflows.set(w.workflowId, w);
  }

  /** The mailbox with this ID (case-insensitive), active or not. */
  getMailbox(mailboxId: string): Mailbox | undefined {
    return this.mailboxes.get(mailboxId.toUpperCase());
  }

  listMailboxes(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  getWorkflow(workflowId: string): Workflow | undefined {
    return this.workflows.get(workflowId);
  }

  listWorkflows(): Workflow[] {
    return [...this.workflows.values()];
  }

  /** Active receivers of a workflow whose ODS code matches (endpointlookup). */
  lookupEndpoint(odsCode: string, workflowId: string): Mailbox[] {
    // Indexed per workflow on first use: an adapter looks up one practice per record, and a
    // national workflow has thousands of receivers. The directory never changes once loaded.
    let byOds = this.receiversByOds.get(workflowId);
    if (!byOds) {
      byOds = new Map();
      for (const m of this.workflowReceivers(workflowId)) {
        const key = m.odsCode.toUpperCase();
        byOds.set(key, [...(byOds.get(key) ?? []), m]);
      }
      this.receiversByOds.set(workflowId, byOds);
    }
    return [...(byOds.get(odsCode.toUpperCase()) ?? [])];
  }

  /** Active receivers registered for a workflow (workflowsearch). */
  workflowReceivers(workflowId: string): Mailbox[] {
    const wf = this.workflows.get(workflowId);
    if (!wf) return [];
    return wf.receivers
      .map((id) => this.getMailbox(id))
      .filter((m): m is Mailbox => m !== undefined && m.active);
  }
}
