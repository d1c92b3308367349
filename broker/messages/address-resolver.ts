import type { Directory, Mailbox } from '../directory/directory.js';

/** The MESH endpoint-lookup errors a resolver may answer with (EPL-150 several matched ... EPL-154). */
export type EplCode = 'EPL-150' | 'EPL-151' | 'EPL-152' | 'EPL-153' | 'EPL-154';

/** A resolver's answer: the mailbox, a MESH lookup error, or null for "not an address I understand". */
export type AddressResolution = { mailbox: Mailbox } | { error: EplCode; description: string } | null;

export interface ResolveContext {
  workflowId: string;
  sender: Mailbox;
  directory: Directory;
}

/**
 * Turns a `mex-To` that is not a mailbox ID into a mailbox: an ODS code, or demographic addressing
 * such as `GPPROVIDER_<nhs>_<dob>_<surname>`. Resolvers are tried in order after the mailbox lookup.
 */
export interface AddressResolver {
  name: string;
  resolve(to: string, ctx: ResolveContext): Promise<AddressResolution>;
}

/**
 * `mex-To` as an ODS code, matched against the workflow's receivers as MESH's endpoint lookup
 * does: one match is the recipient, several are EPL-150, none (for a known ODS code) EPL-151.
 */
export const odsCodeResolver: AddressResolver = {
  name: 'ods-code',
  async resolve(to, { workflowId, directory }) {
    const matches = directory.lookupEndpoint(to, workflowId);
    if (matches.length === 1) return { mailbox: matches[0]! };
    if (matches.length > 1) return { error: 'EPL-150', description: `${matches.length} mailboxes match ODS code ${to} for workflow ${workflowId}` };
    const odsKnown = directory.listMailboxes().some((m) => m.odsCode.toUpperCase() === to.toUpperCase());
    if (odsKnown) return { error: 'EPL-151', description: `no mailbox with ODS code ${to} receives workflow ${workflowId}` };
    return null;
  },
};
