/**
 * Commands that only ask questions: `mesh handshake` (are my credentials good?),
 * `mesh count`, `mesh track` (what happened to a message I sent) and `mesh lookup`
 * (which mailbox receives a workflow for an organisation).
 */
import type { EndpointLookupResponse } from '../types.js';
import { UsageError, optFlag, optString } from './args.js';
import { JSON_OPTION, writeJson, writeOut, type CliCommand, type CommandContext } from './command.js';

async function runHandshake(ctx: CommandContext): Promise<void> {
  const client = await ctx.client();
  await client.handshake();
  if (optFlag(ctx.values, 'json')) await writeJson(ctx.io.stdout, { mailbox_id: client.mailboxId, ok: true });
  else await writeOut(ctx.io.stdout, `${client.mailboxId}: handshake ok\n`);
}

/** `mesh handshake`. */
export const handshakeCommand: CliCommand = {
  name: 'handshake',
  summary: 'check the connection and credentials (validates the mailbox)',
  usage: 'handshake [--json]',
  description: 'Authenticates against MESH and reports the client details, as real clients do at start-up.\n',
  options: { ...JSON_OPTION },
  positionals: { min: 0, max: 0 },
  run: runHandshake,
};

async function runCount(ctx: CommandContext): Promise<void> {
  const count = await (await ctx.client()).count();
  if (optFlag(ctx.values, 'json')) await writeJson(ctx.io.stdout, { count });
  else await writeOut(ctx.io.stdout, `${count}\n`);
}

/** `mesh count`. */
export const countCommand: CliCommand = {
  name: 'count',
  summary: 'print the number of messages in your inbox',
  usage: 'count [--json]',
  description: 'Prints the inbox count reported by the (deprecated but supported) count endpoint.\n',
  options: { ...JSON_OPTION },
  positionals: { min: 0, max: 0 },
  run: runCount,
};

async function runTrack(ctx: CommandContext): Promise<void> {
  const localId = optString(ctx.values, 'local-id');
  const messageId = ctx.positionals[0];
  if ((localId === undefined) === (messageId === undefined)) {
    throw new UsageError('track needs a message ID or --local-id (one, not both)');
  }
  const client = await ctx.client();
  const tracking = messageId !== undefined ? await client.trackMessage(messageId) : await client.trackByLocalId(localId as string);
  await writeJson(ctx.io.stdout, tracking);
}

/** `mesh track`. */
export const trackCommand: CliCommand = {
  name: 'track',
  summary: 'show the tracking status of a message you sent (JSON)',
  usage: 'track ID | --local-id L',
  description:
    'Prints the tracking record of a message sent from your mailbox, by message ID, or by your\n' +
    'local ID (a deprecated form that answers in the v1 shape).\n',
  options: {
    'local-id': { type: 'string', value: 'L', help: 'find the message by its mex-LocalID instead' },
  },
  positionals: { min: 0, max: 1 },
  run: runTrack,
};

/** The (mailbox, name) pairs of a lookup answer, whichever API version shaped it. */
export function lookupRows(response: EndpointLookupResponse): Array<{ mailbox: string; name: string }> {
  const results: unknown[] = Array.isArray(response.results) ? response.results : [];
  return results.map((entry) => {
    const row = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const mailbox = row['mailbox_id'] ?? row['address'];
    const name = row['mailbox_name'] ?? row['description'];
    return { mailbox: typeof mailbox === 'string' ? mailbox : '', name: typeof name === 'string' ? name : '' };
  });
}

async function runLookup(ctx: CommandContext): Promise<void> {
  const [ods, workflow] = ctx.positionals as [string, string];
  const response = await (await ctx.client()).lookupEndpoint(ods, workflow);
  if (optFlag(ctx.values, 'json')) {
    await writeJson(ctx.io.stdout, response);
    return;
  }
  // Tabs and newlines inside a name would break the one-row-per-line contract scripts rely on.
  const clean = (text: string): string => text.replace(/[\t\r\n]+/g, ' ');
  for (const row of lookupRows(response)) await writeOut(ctx.io.stdout, `${clean(row.mailbox)}\t${clean(row.name)}\n`);
}

/** `mesh lookup`. */
export const lookupCommand: CliCommand = {
  name: 'lookup',
  summary: 'find the mailboxes that receive a workflow for an ODS code',
  usage: 'lookup ODS WORKFLOW [--json]',
  description: 'Prints MAILBOX<TAB>NAME for each mailbox of organisation ODS that receives WORKFLOW.\n',
  options: { ...JSON_OPTION },
  positionals: { min: 2, max: 2 },
  run: runLookup,
};
